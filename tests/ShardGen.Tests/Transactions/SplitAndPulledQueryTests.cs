using ShardGen.Tests.Model;

namespace ShardGen.Tests.Transactions;

/// <summary>Generated methods that make several calls: a multi-row INSERT split by key, and a join run on the coordinator.</summary>
public sealed partial class AccountQueries
{
    public AccountQueries(ShardedDataSource source) => Source = source;

    public ShardedDataSource Source { get; }

    [Query("INSERT INTO accounts (tenant_id, id, owner, balance) VALUES (@a, @id, 'split', @balance), (@b, @id, 'split', @balance)")]
    public partial Task<int> OpenInBoth(long a, long b, long id, decimal balance);

    [Query("SELECT a.id FROM settings s JOIN accounts a ON a.owner = s.value WHERE s.key = @key AND a.tenant_id = @tenant ORDER BY a.id")]
    public partial Task<List<long>> AccountsNamedBySetting(string key, long tenant);
}

/// <summary>Those methods in and out of a <see cref="ShardedTransaction"/>, checked on the servers.</summary>
public sealed class SplitAndPulledQueryTests(TransactionCluster fixture) : IClassFixture<TransactionCluster>
{
    private static long _nextTenant = 50_000;

    [Fact]
    public async Task A_split_insert_across_workers_commits_on_both_with_two_phase_commit_and_leaves_nothing_prepared()
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        var queries = new AccountQueries(fixture.Source);

        Assert.Equal(2, await queries.OpenInBoth(t1, t2, 7, 30m));

        Assert.Equal(30m, await fixture.BalanceOnServerAsync(t1, 7));
        Assert.Equal(30m, await fixture.BalanceOnServerAsync(t2, 7));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
    }

    [Fact]
    public async Task A_split_insert_that_fails_on_one_worker_leaves_no_row_on_the_other()
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 8, "taken", 1m));
        var queries = new AccountQueries(fixture.Source);

        var failure = await Assert.ThrowsAsync<ShardOperationException>(() => queries.OpenInBoth(t1, t2, 8, 30m));

        Assert.Contains("accounts", failure.Message, StringComparison.Ordinal);
        Assert.Null(await fixture.BalanceOnServerAsync(t1, 8));
        Assert.Equal(1m, await fixture.BalanceOnServerAsync(t2, 8));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
    }

    [Fact]
    public async Task In_the_callers_transaction_a_split_insert_rolls_back_with_it()
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        var queries = new AccountQueries(fixture.Source);

        await using (var tx = await fixture.Source.BeginTransactionAsync())
        {
            Assert.Equal(2, await queries.OpenInBoth(t1, t2, 9, 30m));
            Assert.Same(tx, fixture.Source.CurrentTransaction);
            Assert.Equal(2, tx.Participants.Count);
        }

        Assert.Null(await fixture.BalanceOnServerAsync(t1, 9));
        Assert.Null(await fixture.BalanceOnServerAsync(t2, 9));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
    }

    [Fact]
    public async Task A_join_on_the_coordinator_reads_the_transactions_own_writes_on_the_worker_and_the_coordinator()
    {
        var tenant = Interlocked.Add(ref _nextTenant, 50);
        var owner = "owner-" + tenant;
        var queries = new AccountQueries(fixture.Source);
        await fixture.Db.Accounts.InsertAsync(new Account(tenant, 1, owner, 5m));

        await using (var tx = await fixture.Source.BeginTransactionAsync())
        {
            await fixture.Db.Settings.InsertAsync(new Setting("holder-" + tenant, owner));
            await fixture.Db.Accounts.InsertAsync(new Account(tenant, 2, owner, 5m));
            await fixture.Db.Accounts.InsertAsync(new Account(tenant, 3, "someone else", 5m));

            Assert.Equal([1L, 2L], await queries.AccountsNamedBySetting("holder-" + tenant, tenant));
        }

        // Rolled back: the setting is gone, so nothing joins.
        Assert.Empty(await queries.AccountsNamedBySetting("holder-" + tenant, tenant));
    }
}
