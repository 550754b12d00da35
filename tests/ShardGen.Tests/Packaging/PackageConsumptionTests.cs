using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace ShardGen.Tests.Packaging;

/// <summary>
/// The README's install instructions, run as a new user would: the three packages packed into a folder, a new project
/// outside the repository, restored from that folder and nuget.org with an empty NuGet cache, built (the generator and
/// analyzers from the package), and run — AddShardGen in a service collection, one routed call on a throwaway cluster
/// from ShardGen.Testing.
/// </summary>
public sealed class PackageConsumptionTests(ITestOutputHelper output)
{
    private const string Version = "0.1.0";

    [Fact]
    public async Task A_new_project_restores_the_packed_packages_on_an_empty_cache_builds_and_routes_a_call()
    {
        var repository = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("shardgen-consumer-");
        try
        {
            var packages = Path.Combine(work.FullName, "artifacts");
            var app = Path.Combine(work.FullName, "App");
            var environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(work.FullName, "nuget-cache"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
                ["MSBUILDDISABLENODEREUSE"] = "1",
            };

            // The solution is built (Release) before the tests run: pack what was built.
            foreach (var project in new[] { "src/Runtime", "src/Hosting", "src/Testing" })
            {
                await DotnetAsync(repository, environment, "pack", Path.Combine(repository, project), "-c", "Release", "--no-build", "-o", packages);
            }

            // README, "Use ShardGen in your own project".
            await DotnetAsync(work.FullName, environment, "new", "console", "-o", app, "-n", "App");
            await DotnetAsync(app, environment, "new", "nugetconfig");
            await DotnetAsync(app, environment, "nuget", "add", "source", packages, "--name", "shardgen-local", "--configfile", "nuget.config");
            await DotnetAsync(app, environment, "add", "package", "ShardGen", "--version", Version);
            await DotnetAsync(app, environment, "add", "package", "ShardGen.Hosting", "--version", Version);
            await DotnetAsync(app, environment, "add", "package", "ShardGen.Testing", "--version", Version);
            await DotnetAsync(app, environment, "add", "package", "Microsoft.Extensions.DependencyInjection", "--version", "10.0.0");

            File.WriteAllText(Path.Combine(app, "Model.cs"), """
                using ShardGen;

                namespace App;

                [Distributed(nameof(TenantId))]
                public sealed record Note(long TenantId, long Id, string Text);
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using App;
                using Microsoft.Extensions.DependencyInjection;
                using ShardGen;
                using ShardGen.Testing;

                await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
                var services = new ServiceCollection();
                services.AddShardGen(ShardDatabase.Schema, options =>
                    {
                        options.Coordinator = cluster.CoordinatorConnectionString;
                        options.Workers["worker1"] = cluster.WorkerConnectionStrings[0];
                        options.Workers["worker2"] = cluster.WorkerConnectionStrings[1];
                    })
                    .AddDatabase<ShardDatabase>();
                await using var provider = services.BuildServiceProvider();
                var db = provider.GetRequiredService<ShardDatabase>();
                await db.ApplySchemaAsync();
                await db.Notes.InsertAsync(new Note(42, 1, "from the package"));
                var note = await db.Notes.GetAsync(42, 1);
                var route = await db.DataSource.RouteAsync(NoteRepository.Definition, 42L);
                Console.WriteLine($"routed: '{note?.Text}' from {route.ShardTable} on {route.Node.Name}");
                """);

            var run = await DotnetAsync(app, environment, "run", "-c", "Release");
            Assert.Matches(@"routed: 'from the package' from notes_\d+ on worker[12]", run);

            // The packages came from the folder into the empty cache, and the build used the generator and analyzers in them.
            Assert.True(Directory.Exists(Path.Combine(work.FullName, "nuget-cache", "shardgen", Version, "analyzers", "dotnet", "cs")));
            Assert.True(File.Exists(Path.Combine(work.FullName, "nuget-cache", "shardgen", Version, "lib", "net10.0", "ShardGen.xml")));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private async Task<string> DotnetAsync(string directory, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        // The test host's own MSBuild settings must not leak into the new project's build.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "VSTEST_HOST_DEBUG" })
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var text = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        text.Append(await stdout).Append(await stderr);
        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}  (exit {process.ExitCode})");
        output.WriteLine(text.ToString());
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{text}");
        return text.ToString();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ShardGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ShardGen.sln above {AppContext.BaseDirectory}: the test runs from the repository's build output.");
    }
}
