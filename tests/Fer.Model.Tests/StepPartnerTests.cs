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
        var onPartner = 0;
        var caller = Environment.CurrentManagedThreadId;

        for (var step = 1; step <= 5000; step++)
        {
            partner.Run(() => mine++, () =>
            {
                Interlocked.Increment(ref theirs);
                if (Environment.CurrentManagedThreadId != caller)
                {
                    Interlocked.Increment(ref onPartner);
                }
            });
            Assert.Equal(step, mine);
            Assert.Equal(step, Volatile.Read(ref theirs));
        }

        // Whether the partner got there first is up to the scheduler, step by step; across thousands it does.
        Assert.True(onPartner > 0, "the partner never ran a half: every step ran on the calling thread");
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
