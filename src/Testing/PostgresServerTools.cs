using System.Globalization;

namespace ShardGen.Testing;

/// <summary>
/// The PostgreSQL server programs of this machine, and how to run them: directly, or through
/// <c>runuser -u postgres</c> when the caller is root (initdb and postgres refuse to run as root).
/// </summary>
internal sealed class PostgresServerTools
{
    public const string BinDirectoryVariable = "SHARDGEN_PG_BIN";

    private const string ServerUser = "postgres";

    private PostgresServerTools(string binDirectory, bool runAsServerUser)
    {
        BinDirectory = binDirectory;
        RunAsServerUser = runAsServerUser;
    }

    public string BinDirectory { get; }

    /// <summary>True when the caller is root, so that files must belong to, and tools run as, <c>postgres</c>.</summary>
    public bool RunAsServerUser { get; }

    public static async Task<PostgresServerTools> LocateAsync(string? binDirectory, CancellationToken cancellationToken)
    {
        string directory = binDirectory is not null
            ? RequireTools(binDirectory, $"{nameof(LocalClusterOptions)}.{nameof(LocalClusterOptions.BinDirectory)}")
            : await FindBinDirectoryAsync(cancellationToken).ConfigureAwait(false);

        bool runAsServerUser = OperatingSystem.IsLinux() && Environment.UserName == "root";
        if (runAsServerUser)
        {
            ProcessResult id = await ProcessRunner.RunAsync("id", ["-u", ServerUser], "/", TimeSpan.FromSeconds(10), cancellationToken)
                .ConfigureAwait(false);
            if (id.ExitCode != 0)
            {
                throw new PostgresClusterException(
                    $"This process runs as root, and PostgreSQL refuses to run as root, so its servers would run as the " +
                    $"'{ServerUser}' user, which does not exist here ({id.Output}). Install the 'postgresql-15' package " +
                    $"(it creates that user), create the user (`useradd --system {ServerUser}`), or run as a regular user.");
            }
        }

        return new PostgresServerTools(directory, runAsServerUser);
    }

    /// <summary>The command line that runs one of the server programs (initdb, pg_ctl) as the right user.</summary>
    public (string FileName, IReadOnlyList<string> Arguments) Command(string program, IEnumerable<string> arguments)
    {
        string path = Path.Combine(BinDirectory, program);
        return RunAsServerUser
            ? ("runuser", ["-u", ServerUser, "--", path, .. arguments])
            : (path, [.. arguments]);
    }

    public Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        (string fileName, IReadOnlyList<string> commandArguments) = Command(program, arguments);
        return ProcessRunner.RunAsync(fileName, commandArguments, workingDirectory, timeout, cancellationToken);
    }

    public ProcessResult Run(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        (string fileName, IReadOnlyList<string> commandArguments) = Command(program, arguments);
        return ProcessRunner.Run(fileName, commandArguments, workingDirectory, timeout);
    }

    /// <summary>Hands a directory tree the caller created to the user the servers run as.</summary>
    public async Task GiveToServerUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (RunAsServerUser)
        {
            await ProcessRunner.RunCheckedAsync("chown", ["-R", ServerUser + ":", directory], "/", TimeSpan.FromSeconds(30), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private static async Task<string> FindBinDirectoryAsync(CancellationToken cancellationToken)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return RequireTools(fromEnvironment, $"The {BinDirectoryVariable} environment variable");
        }

        // Debian and Ubuntu keep each major version's server programs off PATH, side by side.
        const string DebianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(DebianRoot))
        {
            string? newest = Directory.GetDirectories(DebianRoot)
                .Select(versionDirectory => (Version: ParseMajorVersion(Path.GetFileName(versionDirectory)), Bin: Path.Combine(versionDirectory, "bin")))
                .Where(candidate => candidate.Version is not null && HasTools(candidate.Bin))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Bin)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        string? pgConfig = FindOnPath("pg_config");
        if (pgConfig is not null)
        {
            ProcessResult result = await ProcessRunner.RunAsync(pgConfig, ["--bindir"], "/", TimeSpan.FromSeconds(10), cancellationToken)
                .ConfigureAwait(false);
            string bin = result.StandardOutput.Trim();
            if (result.ExitCode == 0 && HasTools(bin))
            {
                return bin;
            }
        }

        string? initdb = FindOnPath("initdb");
        if (initdb is not null && HasTools(Path.GetDirectoryName(initdb)!))
        {
            return Path.GetDirectoryName(initdb)!;
        }

        throw new PostgresClusterException(
            "The PostgreSQL server programs (initdb, pg_ctl, postgres) were not found: not in " +
            $"{BinDirectoryVariable}, not under {DebianRoot}/*/bin, and neither pg_config nor initdb is on PATH. " +
            "Install them (Debian/Ubuntu: `apt-get install postgresql-15`; Fedora: `dnf install postgresql15-server`; " +
            $"macOS: `brew install postgresql@15`), or set {BinDirectoryVariable} to the directory that holds initdb and pg_ctl.");
    }

    private static string RequireTools(string directory, string source)
    {
        if (!HasTools(directory))
        {
            throw new PostgresClusterException(
                $"{source} names '{directory}', which does not hold the PostgreSQL server programs initdb, pg_ctl and postgres. " +
                "Point it at the server's bin directory (for example /usr/lib/postgresql/15/bin, or the output of `pg_config --bindir`).");
        }

        return directory;
    }

    private static bool HasTools(string directory) =>
        File.Exists(Path.Combine(directory, "initdb"))
        && File.Exists(Path.Combine(directory, "pg_ctl"))
        && File.Exists(Path.Combine(directory, "postgres"));

    private static Version? ParseMajorVersion(string? name) =>
        name is null ? null
        : Version.TryParse(name, out Version? version) ? version
        : int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int major) ? new Version(major, 0)
        : null;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
