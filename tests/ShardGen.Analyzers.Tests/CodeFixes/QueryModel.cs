namespace ShardGen.Analyzers.Tests.CodeFixes;

/// <summary>The tables the query code fix tests join, and the head of the class their queries are in.</summary>
internal static class QueryModel
{
    public const string Tables = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using ShardGen;

        [Distributed(nameof(TenantId))]
        public sealed record Order(long TenantId, long Id, long CustomerId);

        [Distributed(nameof(TenantId))]
        public sealed record Customer(long TenantId, long Id, string Name);

        [Distributed(nameof(DeviceId))]
        public sealed record Reading(System.Guid DeviceId, long Id, long OrderId);

        [Distributed(nameof(Region), Colocation = "regions")]
        public sealed record Branch(long Region, long Id);

        public sealed record IdRow(long Id);

        """;
}
