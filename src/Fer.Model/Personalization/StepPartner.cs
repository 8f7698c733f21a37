using System.Runtime.ExceptionServices;

namespace PersonalFer.Model;

/// <summary>
/// A thread of its own that runs one half of each training step while the calling thread runs the other. A step
/// takes about a millisecond, so the partner waits for the next one spinning briefly before it sleeps: handing work to
/// a sleeping thread-pool thread cost 0.2–0.6 ms a step here. When the partner has not started its half by the time
/// the caller finishes its own (another process holds its core), the caller runs that half too instead of waiting.
/// </summary>
internal sealed class StepPartner : IDisposable
{
    // Spins before a wait sleeps: a few tens of microseconds, about the time between two halves.
    private const int SpinCount = 2000;

    private readonly Thread _thread;
    private readonly ManualResetEventSlim _start = new(false, SpinCount);
    private readonly ManualResetEventSlim _done = new(false, SpinCount);
    private Action? _work;
    private int _claimed = 1;
    private ExceptionDispatchInfo? _failure;
    private volatile bool _stopping;

    public StepPartner()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "PersonalFer head training" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="mine"/> here and <paramref name="theirs"/> on the partner (or here), and returns when both are done.</summary>
    public void Run(Action mine, Action theirs)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _failure = null;
        _done.Reset();
        _work = theirs;
        Volatile.Write(ref _claimed, 0);
        _start.Set();
        try
        {
            mine();
        }
        finally
        {
            if (Interlocked.Exchange(ref _claimed, 1) == 0)
            {
                theirs();
            }
            else
            {
                _done.Wait();
            }
        }

        _failure?.Throw();
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _start.Set();
        _thread.Join();
        _start.Dispose();
        _done.Dispose();
    }

    private void Loop()
    {
        while (true)
        {
            _start.Wait();
            _start.Reset();
            if (_stopping)
            {
                return;
            }

            // Claimed by the caller already when it got there first (or the step was taken before this wake-up).
            if (Interlocked.Exchange(ref _claimed, 1) != 0)
            {
                continue;
            }

            try
            {
                _work!();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _done.Set();
            }
        }
    }
}
