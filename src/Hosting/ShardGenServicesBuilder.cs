using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ShardGen.Hosting;

/// <summary>
/// What <c>AddShardGen(...)</c> returns: registers the generated classes that run on its data source. For a cluster
/// registered by name, each of them is a keyed service under that name, built on that cluster's data source.
/// </summary>
public sealed class ShardGenServicesBuilder
{
    private Type? _database;

    internal ShardGenServicesBuilder(IServiceCollection services, string? name)
    {
        Services = services;
        Name = name;
    }

    /// <summary>The service collection <c>AddShardGen</c> was called on.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The cluster's name and service key (<c>AddKeyedShardGen("eu", ...)</c>); null for the unnamed cluster.</summary>
    public string? Name { get; }

    /// <summary>
    /// Registers the generated <c>ShardDatabase</c> (its constructor takes the <see cref="ShardedDataSource"/>) as a
    /// singleton: it holds the repositories and nothing per call or per request (unlike EF Core's <c>DbContext</c>, which
    /// tracks changes and is scoped), and every method of it is safe to call from many requests at once. For a named
    /// cluster, a keyed singleton under its name, on its data source.
    /// </summary>
    public ShardGenServicesBuilder AddDatabase<TDatabase>()
        where TDatabase : class
    {
        if (Name is null)
        {
            Services.TryAddSingleton<TDatabase>();
            return this;
        }

        Services.TryAddKeyedSingleton(Name, (provider, key) => ActivatorUtilities.CreateInstance<TDatabase>(provider, provider.GetRequiredKeyedService<ShardedDataSource>(key)));
        _database = typeof(TDatabase);
        return this;
    }

    /// <summary>
    /// Registers a class of <c>[Query]</c> methods (its constructor takes the <c>ShardDatabase</c> or the data source) as a
    /// singleton, like the database: the generated methods keep no state between calls. For a named cluster, a keyed
    /// singleton under its name, built with that cluster's data source and database (<see cref="AddDatabase"/> first);
    /// its constructor's other parameters come from the container.
    /// </summary>
    public ShardGenServicesBuilder AddQueries<TQueries>()
        where TQueries : class
    {
        if (Name is null)
        {
            Services.TryAddSingleton<TQueries>();
            return this;
        }

        var database = _database;
        Services.TryAddKeyedSingleton(Name, (provider, key) => ActivatorUtilities.CreateInstance<TQueries>(provider, ClusterArguments(provider, key, typeof(TQueries), database)));
        return this;
    }

    /// <summary>
    /// Adds ASP.NET Core's health checks with ShardGen's (<see cref="ShardGenHealthChecksBuilderExtensions.AddShardGen"/>):
    /// the same as <c>services.AddHealthChecks().AddShardGen(cluster: Name)</c>. The check is named <c>shardgen</c>, or
    /// <c>shardgen-{name}</c> for a named cluster, unless <paramref name="name"/> says otherwise.
    /// </summary>
    public ShardGenServicesBuilder AddHealthChecks(string? name = null, IEnumerable<string>? tags = null, TimeSpan? preparedLongerThan = null)
    {
        Services.AddHealthChecks().AddShardGen(name, tags: tags, preparedLongerThan: preparedLongerThan, cluster: Name);
        return this;
    }

    // The cluster's own services among the parameters of the class's widest public constructor (the one ActivatorUtilities
    // prefers): the keyed data source and database, which the container would not give for the parameter's type alone.
    private static object[] ClusterArguments(IServiceProvider provider, object? key, Type type, Type? database)
    {
        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).MaxBy(c => c.GetParameters().Length);
        var arguments = new List<object>();
        foreach (var parameter in constructor?.GetParameters() ?? [])
        {
            if (parameter.ParameterType == typeof(ShardedDataSource))
            {
                arguments.Add(provider.GetRequiredKeyedService<ShardedDataSource>(key));
            }
            else if (database is not null && parameter.ParameterType == database)
            {
                arguments.Add(provider.GetRequiredKeyedService(database, key));
            }
        }

        return [.. arguments];
    }
}
