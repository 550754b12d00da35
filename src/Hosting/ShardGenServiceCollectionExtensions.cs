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
/// also handed to Npgsql) and disposes with itself (<c>docs/hosting.md</c>).
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ShardGenOptions>, BindFromConfiguration>());
        var options = services.AddOptions<ShardGenOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return Register(services, schema, configureDataSource);
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
        services.AddOptions<ShardGenOptions>().Bind(configuration);
        return Register(services, schema, configureDataSource: null);
    }

    private static ShardGenServicesBuilder Register(IServiceCollection services, SchemaDefinition schema, Action<ShardedDataSourceBuilder>? configureDataSource)
    {
        if (services.Any(d => d.ServiceType == typeof(ShardedDataSource)))
        {
            throw new InvalidOperationException("AddShardGen was already called: one application has one ShardedDataSource (its tables, its cluster).");
        }

        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ShardGenOptions>>().Value;
            var builder = options.CreateBuilder().UseSchema(schema);
            if (provider.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                builder.UseLoggerFactory(loggerFactory);
            }

            configureDataSource?.Invoke(builder);
            return builder.Build();
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ShardGenStartup>());
        return new ShardGenServicesBuilder(services);
    }

    // The container's configuration, section ShardGen, when the container has one (a host always does).
    private sealed class BindFromConfiguration(IServiceProvider provider) : IConfigureOptions<ShardGenOptions>
    {
        public void Configure(ShardGenOptions options) =>
            provider.GetService<IConfiguration>()?.GetSection(ShardGenOptions.SectionName).Bind(options);
    }
}
