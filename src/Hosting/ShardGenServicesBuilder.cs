using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ShardGen.Hosting;

/// <summary>What <c>AddShardGen(...)</c> returns: registers the generated classes that run on its data source.</summary>
public sealed class ShardGenServicesBuilder
{
    internal ShardGenServicesBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection <c>AddShardGen</c> was called on.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Registers the generated <c>ShardDatabase</c> (its constructor takes the <see cref="ShardedDataSource"/>) as a
    /// singleton: it holds the repositories and nothing per call or per request (unlike EF Core's <c>DbContext</c>, which
    /// tracks changes and is scoped), and every method of it is safe to call from many requests at once.
    /// </summary>
    public ShardGenServicesBuilder AddDatabase<TDatabase>()
        where TDatabase : class
    {
        Services.TryAddSingleton<TDatabase>();
        return this;
    }

    /// <summary>
    /// Registers a class of <c>[Query]</c> methods (its constructor takes the <c>ShardDatabase</c>) as a singleton, like
    /// the database: the generated methods keep no state between calls.
    /// </summary>
    public ShardGenServicesBuilder AddQueries<TQueries>()
        where TQueries : class
    {
        Services.TryAddSingleton<TQueries>();
        return this;
    }

    /// <summary>
    /// Adds ASP.NET Core's health checks with ShardGen's (<see cref="ShardGenHealthChecksBuilderExtensions.AddShardGen"/>):
    /// the same as <c>services.AddHealthChecks().AddShardGen()</c>.
    /// </summary>
    public ShardGenServicesBuilder AddHealthChecks(string name = ShardGenHealthCheck.DefaultName, IEnumerable<string>? tags = null, TimeSpan? preparedLongerThan = null)
    {
        Services.AddHealthChecks().AddShardGen(name, tags: tags, preparedLongerThan: preparedLongerThan);
        return this;
    }
}
