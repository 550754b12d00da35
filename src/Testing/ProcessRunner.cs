using System.Diagnostics;
using System.Text;

namespace ShardGen.Testing;

internal sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => (StandardOutput + StandardError).Trim();
}

/// <summary>Runs a command to completion, capturing its output, so that a failure can be reported whole.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using Process process = Start(fileName, arguments, workingDirectory);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new PostgresClusterException(
                $"`{FormatCommandLine(fileName, arguments)}` did not finish within {timeout.TotalSeconds:0} s and was killed.");
        }

        return new ProcessResult(
            FormatCommandLine(fileName, arguments),
            process.ExitCode,
            await stdout.ConfigureAwait(false),
            await stderr.ConfigureAwait(false));
    }

    /// <summary>The synchronous form, for the process-exit handler, where nothing may be awaited.</summary>
    public static ProcessResult Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        using Process process = Start(fileName, arguments, workingDirectory);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            KillQuietly(process);
            throw new PostgresClusterException(
                $"`{FormatCommandLine(fileName, arguments)}` did not finish within {timeout.TotalSeconds:0} s and was killed.");
        }

        return new ProcessResult(FormatCommandLine(fileName, arguments), process.ExitCode, stdout.Result, stderr.Result);
    }

    public static async Task<ProcessResult> RunCheckedAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ProcessResult result = await RunAsync(fileName, arguments, workingDirectory, timeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new PostgresClusterException(
                $"`{result.CommandLine}` failed with exit code {result.ExitCode}:{Environment.NewLine}{result.Output}");
        }

        return result;
    }

    public static string FormatCommandLine(string fileName, IEnumerable<string> arguments)
    {
        var text = new StringBuilder(Quote(fileName));
        foreach (string argument in arguments)
        {
            text.Append(' ').Append(Quote(argument));
        }

        return text.ToString();
    }

    private static Process Start(string fileName, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,

            // The server tools may run as another user (postgres), who cannot enter the caller's directory.
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo)
                ?? throw new PostgresClusterException($"`{FormatCommandLine(fileName, arguments)}` could not be started.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new PostgresClusterException(
                $"`{FormatCommandLine(fileName, arguments)}` could not be started: {exception.Message}", exception);
        }

        // Nothing is ever typed into these tools; a closed stdin makes any prompt fail instead of hang.
        process.StandardInput.Close();
        return process;
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own in the meantime.
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.AsSpan().IndexOfAny(" \t\"'\\$;&|<>()") < 0
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
