using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShardGen;
using ShardGen.Hosting;
using ShardGen.Model;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// <c>services.AddShardGen(...)</c>, in the shape of Npgsql's <c>AddNpgsqlDataSource</c>: one <see cref="ShardedDataSource"/>
/// for the application, a singleton the container builds on first use (with the container's <see cref="ILoggerFactory"/>,
/// also handed to Npgsql) and disposes with itself; or, for an application that talks to several clusters, one keyed
/// singleton per cluster name (<c>AddKeyedShardGen("eu", ...)</c>, then <c>[FromKeyedServices("eu")]</c>), as
/// <c>AddKeyedSingleton</c> and Npgsql's <c>AddNpgsqlDataSource(..., serviceKey: "eu")</c> register one (<c>docs/hosting.md</c>).
/// </summary>
public static class ShardGenServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="ShardedDataSource"/> serving <paramref name="schema"/> (the generated <c>ShardDatabase.Schema</c>),
    /// built from <see cref="ShardGenOptions"/>: the container's <see cref="IConfiguration"/> section <c>ShardGen</c> when there
    /// is one, then <paramref name="configure"/>. <paramref name="configureDataSource"/> sees the builder last (node settings,
    /// type mappings). Also registers the start-up service that applies the schema when <see cref="ShardGenOptions.ApplySchemaOnStart"/>.
    /// </summary>
    /// <returns>A builder to register the generated <c>ShardDatabase</c>, query classes and health checks with.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddShardGen(ShardDatabase.Schema)
    ///     .AddDatabase&lt;ShardDatabase&gt;()
    ///     .AddQueries&lt;OrderQueries&gt;()
    ///     .AddHealthChecks();
    /// </code>
    /// </example>
    public static ShardGenServicesBuilder AddShardGen(
        this IServiceCollection services, SchemaDefinition schema, Action<ShardGenOptions>? configure = null,
        Action<ShardedDataSourceBuilder>? configureDataSource = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(schema);
        Refuse(services, name: null);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ShardGenOptions>, BindFromConfiguration>());
        var options = services.AddOptions<ShardGenOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return Register(services, name: null, ShardGenOptions.SectionName, schema, configureDataSource);
    }

    /// <summary>
    /// Registers a <see cref="ShardedDataSource"/> serving <paramref name="schema"/>, built from <see cref="ShardGenOptions"/>
    /// bound from <paramref name="configuration"/> (e.g. <c>builder.Configuration.GetSection("ShardGen")</c>) instead of the
    /// container's <c>ShardGen</c> section.
    /// </summary>
    public static ShardGenServicesBuilder AddShardGen(this IServiceCollection services, SchemaDefinition schema, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(configuration);
        Refuse(services, name: null);
        services.AddOptions<ShardGenOptions>().Bind(configuration);
        return Register(services, name: null, SectionOf(configuration), schema, configureDataSource: null);
    }

    /// <summary>
    /// Registers one of several clusters: a <see cref="ShardedDataSource"/> serving <paramref name="schema"/>, a keyed singleton
    /// under the service key <paramref name="name"/> (<c>[FromKeyedServices("eu")] ShardedDataSource</c>,
    /// <c>GetRequiredKeyedService&lt;ShardedDataSource&gt;("eu")</c>), built from the <see cref="ShardGenOptions"/> named
    /// <paramref name="name"/>: the container's <see cref="IConfiguration"/> section <c>ShardGen:Clusters:{name}</c>
    /// (<see cref="ShardGenOptions.ClusterSectionName"/>) when there is one, then <paramref name="configure"/>. Its start-up
    /// service applies its schema when its <see cref="ShardGenOptions.ApplySchemaOnStart"/> says so. Each name once; an
    /// unnamed <c>AddShardGen</c> may sit beside the named ones.
    /// </summary>
    /// <returns>A builder whose registrations (database, query classes, health check) are keyed by <paramref name="name"/> too.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddKeyedShardGen("eu", ShardDatabase.Schema).AddDatabase&lt;ShardDatabase&gt;().AddHealthChecks();
    /// builder.Services.AddKeyedShardGen("us", ShardDatabase.Schema).AddDatabase&lt;ShardDatabase&gt;().AddHealthChecks();
    /// app.MapGet("/eu/orders/{id}", (long id, [FromKeyedServices("eu")] ShardDatabase db) => db.Orders.ListAsync(id));
    /// </code>
    /// </example>
    public static ShardGenServicesBuilder AddKeyedShardGen(
        this IServiceCollection services, string name, SchemaDefinition schema, Action<ShardGenOptions>? configure = null,
        Action<ShardedDataSourceBuilder>? configureDataSource = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(schema);
        Refuse(services, name);
        var section = ShardGenOptions.ClusterSectionName(name);
        services.AddSingleton<IConfigureOptions<ShardGenOptions>>(provider => new BindClusterFromConfiguration(provider, name, section));
        var options = services.AddOptions<ShardGenOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return Register(services, name, section, schema, configureDataSource);
    }

    /// <summary>
    /// Registers one of several clusters as <see cref="AddKeyedShardGen(IServiceCollection, string, SchemaDefinition, Action{ShardGenOptions}?, Action{ShardedDataSourceBuilder}?)"/>
    /// does, its options bound from <paramref name="configuration"/> (e.g. <c>builder.Configuration.GetSection("Sharding:Eu")</c>)
    /// instead of <c>ShardGen:Clusters:{name}</c>.
    /// </summary>
    public static ShardGenServicesBuilder AddKeyedShardGen(this IServiceCollection services, string name, SchemaDefinition schema, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(configuration);
        Refuse(services, name);
        services.AddOptions<ShardGenOptions>(name).Bind(configuration);
        return Register(services, name, SectionOf(configuration), schema, configureDataSource: null);
    }

    private static void Refuse(IServiceCollection services, string? name)
    {
        if (name is null && services.Any(d => d.ServiceType == typeof(ShardedDataSource) && !d.IsKeyedService))
        {
            throw new InvalidOperationException(
                "AddShardGen was already called: one application has one unnamed ShardedDataSource. To talk to several clusters, register each under a name: AddKeyedShardGen(\"eu\", ...).");
        }

        if (name is not null && services.Any(d => d.ServiceType == typeof(ShardedDataSource) && d.IsKeyedService && Equals(d.ServiceKey, name)))
        {
            throw new InvalidOperationException($"AddKeyedShardGen(\"{name}\", ...) was already called: each cluster name is registered once.");
        }
    }

    private static ShardGenServicesBuilder Register(
        IServiceCollection services, string? name, string section, SchemaDefinition schema, Action<ShardedDataSourceBuilder>? configureDataSource)
    {
        if (name is null)
        {
            services.AddSingleton(provider => Build(provider, provider.GetRequiredService<IOptions<ShardGenOptions>>().Value));
        }
        else
        {
            services.AddKeyedSingleton(name, (provider, _) => Build(provider, provider.GetRequiredService<IOptionsMonitor<ShardGenOptions>>().Get(name)));
        }

        // One start-up service per cluster: refused duplicates above keep it to one each.
        services.AddSingleton<IHostedService>(provider => new ShardGenStartup(
            provider, name, section, provider.GetRequiredService<IOptionsMonitor<ShardGenOptions>>(), provider.GetRequiredService<ILogger<ShardGenStartup>>()));
        return new ShardGenServicesBuilder(services, name);

        ShardedDataSource Build(IServiceProvider provider, ShardGenOptions options)
        {
            var builder = options.CreateBuilder(section).UseSchema(schema);
            if (provider.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                builder.UseLoggerFactory(loggerFactory);
            }

            configureDataSource?.Invoke(builder);
            return builder.Build();
        }
    }

    private static string SectionOf(IConfiguration configuration) =>
        configuration is IConfigurationSection { Path: { Length: > 0 } path } ? path : ShardGenOptions.SectionName;

    // The container's configuration, section ShardGen, when the container has one (a host always does).
    private sealed class BindFromConfiguration(IServiceProvider provider) : IConfigureOptions<ShardGenOptions>
    {
        public void Configure(ShardGenOptions options) =>
            provider.GetService<IConfiguration>()?.GetSection(ShardGenOptions.SectionName).Bind(options);
    }

    // A named cluster's section, ShardGen:Clusters:{name}, of the container's configuration when it has one.
    private sealed class BindClusterFromConfiguration(IServiceProvider provider, string cluster, string section) : IConfigureNamedOptions<ShardGenOptions>
    {
        public void Configure(string? name, ShardGenOptions options)
        {
            if (name == cluster)
            {
                provider.GetService<IConfiguration>()?.GetSection(section).Bind(options);
            }
        }

        public void Configure(ShardGenOptions options)
        {
        }
    }
}
