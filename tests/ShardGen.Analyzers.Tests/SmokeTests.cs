namespace ShardGen.Analyzers.Tests;

public sealed class SmokeTests
{
    private const string Model = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using ShardGen;

        [Distributed(nameof(TenantId))]
        public sealed record Order(long TenantId, long Id, string Status);

        [Distributed(nameof(DeviceId))]
        public sealed record Reading(System.Guid DeviceId, long Id, long OrderId);

        public sealed record IdRow(long Id);
        """;

    [Fact]
    public async Task A_join_of_tables_that_are_not_colocated_is_underlined_on_the_second_table()
    {
        await Verifier.VerifyAsync(Model + """

            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("SELECT o.id FROM orders o JOIN {|SG0106:readings r|} ON r.order_id = o.id WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> Bad(long t);
            }
            """);
    }

    [Fact]
    public async Task A_router_query_raises_nothing_and_a_fan_out_is_noted()
    {
        await Verifier.VerifyAsync(Model + """"

            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("SELECT id FROM orders WHERE tenant_id = @t")]
                public partial Task<List<IdRow>> Good(long t);

                [Query(@"SELECT id FROM {|SG0120:orders|} WHERE status = 'open'")]
                public partial Task<List<IdRow>> All();
            }
            """");
    }
}
