namespace PersonalFer.Model.Tests;

/// <summary>The thread that runs the other half of every head-training step.</summary>
public sealed class StepPartnerTests
{
    [Fact]
    public void Every_step_runs_both_halves_once_and_returns_after_both()
    {
        using var partner = new StepPartner();
        var mine = 0;
        var theirs = 0;

        for (var step = 1; step <= 5000; step++)
        {
            partner.Run(() => mine++, () => Interlocked.Increment(ref theirs));
            Assert.Equal(step, mine);
            Assert.Equal(step, Volatile.Read(ref theirs));
        }

        // The caller's half waits until the other half has started: only the partner can have started it.
        var caller = Environment.CurrentManagedThreadId;
        using var started = new ManualResetEventSlim();
        var ranOn = 0;
        partner.Run(
            () => Assert.True(started.Wait(TimeSpan.FromSeconds(30)), "the partner never took its half"),
            () =>
            {
                ranOn = Environment.CurrentManagedThreadId;
                started.Set();
            });
        Assert.NotEqual(caller, ranOn);
    }

    [Fact]
    public void A_failure_in_either_half_reaches_the_caller_and_the_next_step_still_runs()
    {
        using var partner = new StepPartner();

        Assert.Equal("theirs", Assert.Throws<InvalidOperationException>(() => partner.Run(() => { }, () => throw new InvalidOperationException("theirs"))).Message);
        Assert.Equal("mine", Assert.Throws<InvalidOperationException>(() => partner.Run(() => throw new InvalidOperationException("mine"), () => { })).Message);
        var ran = 0;
        partner.Run(() => Interlocked.Increment(ref ran), () => Interlocked.Increment(ref ran));
        Assert.Equal(2, ran);
    }

    [Fact]
    public void A_disposed_partner_refuses_work_and_its_thread_ends()
    {
        var partner = new StepPartner();
        partner.Dispose();
        partner.Dispose();

        Assert.Throws<ObjectDisposedException>(() => partner.Run(() => { }, () => { }));
    }
}
