using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Transactions;

/// <summary>Where in the commit protocol a fault strikes.</summary>
public enum FaultPoint
{
    /// <summary>Worker 1 prepared, worker 2 not yet.</summary>
    AfterSomePrepared,

    /// <summary>Every part prepared, the decision not recorded.</summary>
    AllPreparedNoDecision,

    /// <summary>The decision recorded, no COMMIT PREPARED sent.</summary>
    DecidedNoneCommitted,

    /// <summary>Worker 1 committed, worker 2 not yet.</summary>
    SomeCommitted,
}

/// <summary>What the fault is.</summary>
public enum FaultKind
{
    /// <summary>The application process dies: the protocol stops and nothing cleans up.</summary>
    ProcessDies,

    /// <summary>The connections to a node are cut (pg_terminate_backend from another connection); the process goes on.</summary>
    ConnectionCut,

    /// <summary>A worker server is killed with SIGKILL and restarted after the commit attempt.</summary>
    WorkerKilled,
}

/// <summary>The simulated crash a fault hook throws.</summary>
public sealed class SimulatedCrash() : Exception("simulated process death");

/// <summary>Builds the fault hook for one case and restores the cluster afterwards.</summary>
internal sealed class Fault
{
    private readonly TransactionCluster _fixture;
    private readonly FaultKind _kind;
    private readonly FaultPoint _point;
    private readonly string _victim;
    private Task? _struck;
    private long _preparedOnWorker1;

    /// <param name="victim">The worker whose connections are cut or whose server is killed.</param>
    public Fault(TransactionCluster fixture, FaultKind kind, FaultPoint point, string victim = "worker2")
    {
        _fixture = fixture;
        _kind = kind;
        _point = point;
        _victim = victim;
    }

    public bool Struck => _struck is not null;

    /// <summary>Notes what is prepared on worker 1 already (other tests' leftovers), before the transaction runs.</summary>
    public async Task ArmAsync() =>
        _preparedOnWorker1 = await Sql.ScalarAsync<long>(_fixture.Cluster.Workers[0].ConnectionString, "SELECT count(*) FROM pg_prepared_xacts");

    /// <summary>Whether, after recovery, the transaction must show on every worker (else on none).</summary>
    public bool ExpectCommitted => (_point, _kind) switch
    {
        (FaultPoint.AfterSomePrepared, FaultKind.WorkerKilled) => _victim == "worker1", // worker 2 still prepares, the decision is recorded
        (FaultPoint.AfterSomePrepared, _) => false,
        (FaultPoint.AllPreparedNoDecision, FaultKind.WorkerKilled) => true, // the coordinator records the decision; recovery commits the killed part
        (FaultPoint.AllPreparedNoDecision, _) => false,
        _ => true,
    };

    public Func<TransactionStep, string?, Task> Hook => (step, node) =>
    {
        var hit = _point switch
        {
            FaultPoint.AfterSomePrepared => step == TransactionStep.Prepare && node == "worker2",
            FaultPoint.AllPreparedNoDecision => step == TransactionStep.RecordDecision,
            FaultPoint.DecidedNoneCommitted => step == TransactionStep.CommitPrepared,
            _ => step == TransactionStep.CommitPrepared && node == "worker2",
        };
        if (!hit)
        {
            return Task.CompletedTask;
        }

        // Every participant's hook waits for the one fault, so that none goes on before it struck.
        lock (this)
        {
            _struck ??= StrikeAsync();
        }

        return _struck;
    };

    /// <summary>Brings a killed worker back and drops the pooled connections the fault broke.</summary>
    public async Task RestoreAsync()
    {
        foreach (var worker in _fixture.Cluster.Workers)
        {
            if (!worker.IsRunning)
            {
                await worker.StartAsync();
            }
        }

        _fixture.ClearPools();
    }

    private async Task StrikeAsync()
    {
        // Participants run each step in parallel: "some" means worker 1 has finished the step before the fault.
        var worker1 = _fixture.Cluster.Workers[0].ConnectionString;
        if (_point == FaultPoint.AfterSomePrepared)
        {
            await WaitUntilAsync(async () => await Sql.ScalarAsync<long>(worker1, "SELECT count(*) FROM pg_prepared_xacts") > _preparedOnWorker1);
        }
        else if (_point == FaultPoint.SomeCommitted)
        {
            await WaitUntilAsync(async () => await Sql.ScalarAsync<long>(worker1, "SELECT count(*) FROM pg_prepared_xacts") <= _preparedOnWorker1);
        }

        switch (_kind)
        {
            case FaultKind.ProcessDies:
                throw new SimulatedCrash();
            case FaultKind.WorkerKilled:
                await Task.Run(_fixture.NodeNamed(_victim).Kill);
                break;
            case FaultKind.ConnectionCut when _point == FaultPoint.AllPreparedNoDecision:
                // The connection that records the decision is cut.
                await TransactionCluster.CutConnectionsAsync(_fixture.Cluster.Coordinator);
                break;
            case FaultKind.ConnectionCut when _point == FaultPoint.DecidedNoneCommitted:
                foreach (var worker in _fixture.Cluster.Workers)
                {
                    await TransactionCluster.CutConnectionsAsync(worker);
                }

                break;
            default:
                await TransactionCluster.CutConnectionsAsync(_fixture.NodeNamed(_victim));
                break;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 400 && !await condition(); i++)
        {
            await Task.Delay(25);
        }
    }
}
