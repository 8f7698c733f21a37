using PersonalFer.Data;

namespace PersonalFer.Demo;

/// <summary>Counts what the run saw, for the closing lines.</summary>
internal sealed class Summary
{
    private readonly List<double> _milliseconds = [];
    private readonly int[] _expressions = new int[Expressions.Count];
    private readonly HashSet<int> _tracks = [];
    private int _framesWithFaces;
    private int _faces;

    public void AddFrame(double milliseconds, int faces)
    {
        _milliseconds.Add(milliseconds);
        _framesWithFaces += faces > 0 ? 1 : 0;
    }

    public void AddFace(TrackedFaceExpression face)
    {
        _faces++;
        _expressions[(int)face.Expression]++;
        _tracks.Add(face.TrackId);
    }

    public void Print()
    {
        var sorted = _milliseconds.Order().ToArray();
        var median = sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
        Console.WriteLine($"{sorted.Length} frame(s), {_framesWithFaces} with faces, {_faces} face detections, {_tracks.Count} distinct face(s); " +
            $"detect + classify: median {median:F1} ms per frame (first frame {(sorted.Length > 0 ? _milliseconds[0] : 0):F0} ms, includes warm-up)");
        if (_faces > 0)
        {
            Console.WriteLine("Expressions: " + string.Join(", ", Expressions.All.Select((e, k) => (e, n: _expressions[k])).Where(x => x.n > 0).OrderByDescending(x => x.n).Select(x => $"{x.e} {x.n}")));
        }
    }
}
