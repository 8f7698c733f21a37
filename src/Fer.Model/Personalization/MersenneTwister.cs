using System.Numerics;
using System.Runtime.CompilerServices;

namespace PersonalFer.Model;

/// <summary>
/// The random stream of libtorch's CPU generator (the 32-bit Mersenne Twister, MT19937, seeded with the seed's low 32
/// bits), drawing dropout keep masks exactly as <c>rand(shape, generator).ge_(p)</c> draws them from a generator of the
/// same seed. libtorch draws those numbers one at a time under a lock (about 0.6 ms for a head's masks of one step,
/// on the step's critical path); this draws them eight at a time.
/// </summary>
internal sealed class MersenneTwister
{
    private const int StateSize = 624;
    private const int Shift = 397;
    private const uint UpperBit = 0x80000000;
    private const uint LowerBits = 0x7fffffff;
    private const uint Matrix = 0x9908b0df;
    private const uint TemperingB = 0x9d2c5680;
    private const uint TemperingC = 0xefc60000;
    // rand's float is (r & 0xFFFFFF) / 2^24: the 24 bits a float holds exactly.
    private const uint FloatBits = 0xFFFFFF;
    private const double FloatScale = 1 << 24;

    private readonly uint[] _state = new uint[StateSize];
    private int _next = StateSize;

    public MersenneTwister(ulong seed)
    {
        _state[0] = (uint)seed;
        for (var i = 1; i < StateSize; i++)
        {
            _state[i] = (1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30))) + (uint)i;
        }
    }

    /// <summary>
    /// Fills <paramref name="mask"/> with the next numbers of the stream as keep flags: 1 where the uniform float in
    /// [0, 1) that rand makes of a number is at least <paramref name="dropProbability"/> (as a float, as ge_ compares
    /// it), else 0.
    /// </summary>
    public void FillKeepMask(Span<float> mask, double dropProbability)
    {
        // k / 2^24 >= p exactly when k >= ceil(p · 2^24); the product is exact in double.
        var threshold = (uint)Math.Ceiling((float)dropProbability * FloatScale);
        while (!mask.IsEmpty)
        {
            if (_next == StateSize)
            {
                Twist();
            }

            var count = Math.Min(StateSize - _next, mask.Length);
            Keep(_state.AsSpan(_next, count), mask[..count], threshold);
            _next += count;
            mask = mask[count..];
        }
    }

    // Optimized from its first call: a fine-tune runs it over every mask number, and left to tiered compilation
    // such loops ran unoptimized through a process's first fine-tunes (the first took about twice as long).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Keep(ReadOnlySpan<uint> state, Span<float> mask, uint threshold)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var thresholds = new Vector<uint>(threshold);
            var floatBits = new Vector<uint>(FloatBits);
            for (; i <= state.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                var y = new Vector<uint>(state[i..]);
                y ^= Vector.ShiftRightLogical(y, 11);
                y ^= Vector.ShiftLeft(y, 7) & new Vector<uint>(TemperingB);
                y ^= Vector.ShiftLeft(y, 15) & new Vector<uint>(TemperingC);
                y ^= Vector.ShiftRightLogical(y, 18);
                // All ones where kept: its bits and those of 1.0f are 1.0f.
                var kept = Vector.GreaterThanOrEqual(y & floatBits, thresholds);
                (Vector.AsVectorSingle(kept) & Vector<float>.One).CopyTo(mask[i..]);
            }
        }

        for (; i < state.Length; i++)
        {
            mask[i] = (Temper(state[i]) & FloatBits) >= threshold ? 1 : 0;
        }
    }

    private static uint Temper(uint y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & TemperingB;
        y ^= (y << 15) & TemperingC;
        return y ^ (y >> 18);
    }

    // The next 624 numbers in place. Entry i takes entries i + 1 (not yet renewed) and i + 397 (renewed once i is past
    // 226), so runs of eight that do not straddle those bounds renew together.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Twist()
    {
        var s = _state.AsSpan();
        const int firstRun = StateSize - Shift;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= firstRun - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                TwistVector(s, i, i + Shift);
            }
        }

        for (; i < firstRun; i++)
        {
            s[i] = s[i + Shift] ^ Mix(s[i], s[i + 1]);
        }

        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= StateSize - 1 - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                TwistVector(s, i, i - firstRun);
            }
        }

        for (; i < StateSize - 1; i++)
        {
            s[i] = s[i - firstRun] ^ Mix(s[i], s[i + 1]);
        }

        s[StateSize - 1] = s[Shift - 1] ^ Mix(s[StateSize - 1], s[0]);
        _next = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwistVector(Span<uint> s, int at, int partner)
    {
        var u = new Vector<uint>(s[at..]);
        var v = new Vector<uint>(s[(at + 1)..]);
        var mixed = Vector.ShiftRightLogical((u & new Vector<uint>(UpperBit)) | (v & new Vector<uint>(LowerBits)), 1);
        var odd = Vector.Equals(v & Vector<uint>.One, Vector<uint>.One);
        (new Vector<uint>(s[partner..]) ^ mixed ^ (odd & new Vector<uint>(Matrix))).CopyTo(s[at..]);
    }

    private static uint Mix(uint u, uint v) => (((u & UpperBit) | (v & LowerBits)) >> 1) ^ ((v & 1) != 0 ? Matrix : 0);
}
