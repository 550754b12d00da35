using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>
/// SG0115: a condition that equates the distribution keys of tables that share shards only because their key types
/// match (devices by device_id, orders by tenant_id, both bigint); a warning on the condition's span, the query planned.
/// </summary>
public sealed class SG0115Tests
{
    /// <summary>
    /// devices: its own bigint key, in the default group with orders and customers. shipments: colocated with orders on
    /// purpose under another key name. trucks and drivers: both in the named group "fleet", keys of different names.
    /// </summary>
    private const string Tables = """
        [Distributed(nameof(DeviceId))]
        public sealed record Device(long DeviceId, long TenantId, string Name);

        [Distributed(nameof(ShipperTenant), ColocateWith = typeof(Order))]
        public sealed record Shipment(long ShipperTenant, long Id);

        [Distributed(nameof(TruckId), Colocation = "fleet")]
        public sealed record Truck(long TruckId, long Id);

        [Distributed(nameof(DriverTruck), Colocation = "fleet")]
        public sealed record Driver(long DriverTruck, long Id);

        """;

    [Fact]
    public async Task An_equality_of_unrelated_keys_is_underlined_on_the_condition_wherever_it_is_written()
    {
        await Verifier.VerifyAsync(QueriesWith(Tables, """
            [Query("SELECT o.id FROM orders o JOIN devices d ON {|SG0115:d.device_id = o.tenant_id|} WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> InOn(long t);

            [Query("SELECT o.id FROM orders o, devices d WHERE o.tenant_id = @t AND {|SG0115:o.tenant_id = d.device_id|}")]
            public partial Task<List<IdRow>> InWhere(long t);

            [Query("SELECT o.id FROM orders o LEFT JOIN devices d ON d.name = o.status AND {|SG0115:d.device_id = o.tenant_id|} WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> InAnOuterJoin(long t);

            [Query("SELECT o.id FROM orders o WHERE o.tenant_id = @t AND EXISTS (SELECT 1 FROM devices d WHERE {|SG0115:d.device_id = o.tenant_id|})")]
            public partial Task<List<IdRow>> InACorrelatedSubquery(long t);

            [Query("SELECT o.id FROM orders o WHERE o.tenant_id = @t AND {|SG0115:o.tenant_id IN (SELECT d.device_id FROM devices d)|}")]
            public partial Task<List<IdRow>> InSubqueryOnTheKeys(long t);

            [Query("SELECT o.id FROM orders o WHERE o.tenant_id = @t AND {|SG0115:o.tenant_id NOT IN (SELECT d.device_id FROM devices d)|}")]
            public partial Task<List<IdRow>> AntiJoinOnTheKeys(long t);
            """));
    }

    [Fact]
    public async Task The_message_names_both_keys_and_the_column_that_means_the_other_key()
    {
        var diagnostic = await SingleAsync(QueriesWith(Tables, """
            [Query("SELECT o.id FROM orders o JOIN devices d ON d.device_id = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0115");
        Assert.Equal(
            "This condition equates the distribution keys of 'devices' (device_id) and 'orders' (tenant_id), which share shards only because both are bigint keys: "
            + "the join runs (Citus accepts it too), but the keys' names say they hold different things, so it matches rows whose keys merely have the same value. "
            + "If 'devices' rows belong to a tenant_id, join on d.tenant_id and distribute 'devices' by it; "
            + "if device_id really holds tenant_id values, say so with ColocateWith = typeof(Order) in the [Distributed] attribute of Device.",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal("d.device_id = o.tenant_id", Underlined(diagnostic));
    }

    [Fact]
    public async Task Keys_of_one_name_or_tables_colocated_on_purpose_raise_nothing()
    {
        await Verifier.VerifyAsync(QueriesWith(Tables, """
            [Query("SELECT o.id FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> SameKeyName(long t);

            [Query("SELECT o.id FROM orders o JOIN shipments s ON s.shipper_tenant = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> ColocateWith(long t);

            [Query("SELECT o.id FROM orders o WHERE o.tenant_id = @t AND o.tenant_id IN (SELECT s.shipper_tenant FROM shipments s)")]
            public partial Task<List<IdRow>> ColocateWithInASubquery(long t);

            [Query("SELECT t.id FROM trucks t JOIN drivers d ON d.driver_truck = t.truck_id WHERE t.truck_id = @truck")]
            public partial Task<List<IdRow>> OneNamedGroup(long truck);
            """));
    }

    [Fact]
    public async Task A_join_on_the_column_that_means_the_key_is_SG0107_not_SG0115()
    {
        var diagnostics = await AnalyzeAsync(QueriesWith(Tables, """
            [Query("SELECT o.id FROM orders o JOIN devices d ON d.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> M(long t);
            """));
        Assert.DoesNotContain(diagnostics, d => d.Id == "SG0115");
        Assert.Contains(diagnostics, d => d.Id == "SG0107");
    }
}
