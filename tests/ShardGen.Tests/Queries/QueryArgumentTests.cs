using ShardGen.Tests.Model;

namespace ShardGen.Tests.Queries;

/// <summary>[Query] methods whose null arguments the generated code refuses by the method's own parameter names.</summary>
public sealed partial class VoucherQueries(ShardedDataSource source)
{
    public ShardedDataSource Source { get; } = source;

    [Query("SELECT code, id, holder FROM vouchers WHERE code = @code ORDER BY id")]
    public partial Task<List<Voucher>> OfCode(string code);

    [Query("SELECT code, id, holder FROM vouchers WHERE code = ANY(@codes) ORDER BY code, id")]
    public partial Task<List<Voucher>> OfCodes(IReadOnlyList<string> codes);

    [Query("SELECT tenant_id, id, owner, balance FROM accounts WHERE tenant_id = ANY(@tenantIds) ORDER BY tenant_id, id")]
    public partial Task<List<Account>> AccountsOf(long[] tenantIds);

    [Query("SELECT tenant_id, id, owner, balance FROM accounts WHERE tenant_id = @tenantId AND id = ANY(@ids) ORDER BY id")]
    public partial Task<List<Account>> AccountsByIds(long tenantId, List<long> ids);

    [Query("SELECT code, id, holder FROM vouchers WHERE code = @code ORDER BY id")]
    public partial IAsyncEnumerable<Voucher> StreamOfCode(string code);
}

/// <summary>
/// A null list for <c>= ANY(@list)</c> or a null distribution key fails in the generated method, with an
/// <see cref="ArgumentNullException"/> whose <c>ParamName</c> is the method's parameter and whose message says why;
/// the same calls with values read the cluster's rows.
/// </summary>
[Collection("queries")]
public sealed class QueryArgumentTests(QueryFixture fixture)
{
    private readonly VoucherQueries _queries = new(fixture.Source);

    [Fact]
    public async Task A_null_key_is_refused_by_its_parameter_name()
    {
        await fixture.Db.Vouchers.InsertAsync(new Voucher("ARG-1", 1, "ada"));
        Assert.Equal([new Voucher("ARG-1", 1, "ada")], await _queries.OfCode("ARG-1"));

        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => _queries.OfCode(null!));
        Assert.Equal("code", error.ParamName);
        Assert.Contains("distribution key", error.Message, StringComparison.Ordinal);

        var streamed = await Assert.ThrowsAsync<ArgumentNullException>(async () =>
        {
            await foreach (var _ in _queries.StreamOfCode(null!))
            {
            }
        });
        Assert.Equal("code", streamed.ParamName);
    }

    [Fact]
    public async Task A_null_key_list_is_refused_by_its_parameter_name()
    {
        await fixture.Db.Vouchers.InsertAsync(new Voucher("ARG-2", 1, "grace"));
        Assert.Equal([new Voucher("ARG-2", 1, "grace")], await _queries.OfCodes(["ARG-2", "ARG-none"]));
        Assert.Equal(fixture.Accounts.Where(a => a.TenantId is 3 or 4).ToList(), await _queries.AccountsOf([3, 4]));

        var codes = await Assert.ThrowsAsync<ArgumentNullException>(() => _queries.OfCodes(null!));
        Assert.Equal("codes", codes.ParamName);
        Assert.Contains("= ANY(@codes)", codes.Message, StringComparison.Ordinal);
        Assert.Contains("empty list", codes.Message, StringComparison.Ordinal);

        var tenants = await Assert.ThrowsAsync<ArgumentNullException>(() => _queries.AccountsOf(null!));
        Assert.Equal("tenantIds", tenants.ParamName);

        var element = await Assert.ThrowsAsync<ArgumentException>(() => _queries.OfCodes(["ARG-2", null!]));
        Assert.Equal("codes", element.ParamName);
        Assert.Contains("holds a null", element.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_refuses_a_null_text_key_by_its_parameter_or_the_row()
    {
        var vouchers = fixture.Db.Vouchers;
        Assert.Equal("code", (await Assert.ThrowsAsync<ArgumentNullException>(() => vouchers.GetAsync(null!, 1))).ParamName);
        Assert.Equal("code", (await Assert.ThrowsAsync<ArgumentNullException>(() => vouchers.DeleteAsync(null!, 1))).ParamName);
        Assert.Equal("code", (await Assert.ThrowsAsync<ArgumentNullException>(() => vouchers.ListAsync(null!))).ParamName);
        Assert.Equal("code", (await Assert.ThrowsAsync<ArgumentNullException>(() => vouchers.CountAsync(null!))).ParamName);

        var row = await Assert.ThrowsAsync<ArgumentException>(() => vouchers.InsertAsync(new Voucher(null!, 1, "nobody")));
        Assert.IsNotType<ArgumentNullException>(row);
        Assert.Equal("row", row.ParamName);
        Assert.Contains("Code", row.Message, StringComparison.Ordinal);
        Assert.Equal("row", (await Assert.ThrowsAsync<ArgumentException>(() => vouchers.UpsertAsync(new Voucher(null!, 1, "nobody")))).ParamName);
    }

    [Fact]
    public async Task A_null_value_list_in_a_router_query_is_refused_by_its_parameter_name()
    {
        Assert.Equal(fixture.Accounts.Where(a => a.TenantId == 7 && a.Id <= 2).ToList(), await _queries.AccountsByIds(7, [1, 2]));

        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => _queries.AccountsByIds(7, null!));
        Assert.Equal("ids", error.ParamName);
        Assert.Contains("= ANY(@ids)", error.Message, StringComparison.Ordinal);
    }
}
