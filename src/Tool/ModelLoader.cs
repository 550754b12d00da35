using System.Reflection;
using System.Runtime.Loader;
using ShardGen.Model;

namespace ShardGen.Tool;

/// <summary>
/// Loads the model an application compiled: its generated <c>ShardDatabase.Schema</c>, from the built assembly. The
/// assembly is loaded in a context of its own, with its dependencies resolved from its <c>.deps.json</c>; ShardGen and
/// Npgsql come from the tool, so that the model's types are the ones the tool's data source takes.
/// </summary>
internal static class ModelLoader
{
    public static SchemaDefinition Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No assembly at {full}: build the application first (dotnet build -c Release) and give its .dll.", full);
        }

        var assembly = new ModelContext(full).LoadFromAssemblyPath(full);
        var types = assembly.GetTypes().Where(t => t.Name == "ShardDatabase"
            && t.GetProperty("Schema", BindingFlags.Public | BindingFlags.Static)?.PropertyType == typeof(SchemaDefinition)).ToArray();
        return types.Length switch
        {
            1 => (SchemaDefinition)types[0].GetProperty("Schema", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!,
            0 => throw new InvalidOperationException($"{Path.GetFileName(full)} holds no ShardGen model: no generated ShardDatabase with a Schema (does it reference ShardGen and declare [Distributed], [Reference] or [Local] types?)."),
            _ => throw new InvalidOperationException($"{Path.GetFileName(full)} holds {types.Length} ShardDatabase types; give the assembly of one model."),
        };
    }

    private sealed class ModelContext(string path) : AssemblyLoadContext(isCollectible: false)
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is "ShardGen" or "Npgsql" || name.Name?.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) == true)
            {
                return null;
            }

            return _resolver.ResolveAssemblyToPath(name) is { } resolved ? LoadFromAssemblyPath(resolved) : null;
        }
    }
}
