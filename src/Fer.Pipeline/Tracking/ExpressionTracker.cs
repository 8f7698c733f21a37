using PersonalFer.Data;
using PersonalFer.Detection;

namespace PersonalFer;

/// <summary>
/// Live predictions flicker from frame to frame; this follows each face across the frames of one video (by box
/// overlap) and averages its probabilities over time. One tracker per video stream; not thread-safe.
/// </summary>
public sealed class ExpressionTracker
{
    private readonly ExpressionTrackingOptions _options;
    private readonly List<Track> _tracks = [];
    private int _nextId = 1;

    /// <summary>Creates a tracker with no tracks.</summary>
    public ExpressionTracker(ExpressionTrackingOptions? options = null)
    {
        _options = options ?? new ExpressionTrackingOptions();
        _options.Validate();
    }

    /// <summary>Faces currently tracked (including those missed for a few frames).</summary>
    public int ActiveTracks => _tracks.Count;

    /// <summary>Feeds one frame's results (from <see cref="ExpressionPipeline.Classify(OpenCvSharp.Mat, PersonalProfile?)"/>), in their order.</summary>
    /// <exception cref="ArgumentException">A face is null, has an empty box, or not 7 finite probabilities in [0, 1].</exception>
    public IReadOnlyList<TrackedFaceExpression> Update(IReadOnlyList<FaceExpression> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        for (var i = 0; i < faces.Count; i++)
        {
            Check(faces[i], i);
        }

        var assignment = Match(faces);
        var seen = new HashSet<Track>();
        var results = new TrackedFaceExpression[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            var track = assignment[i];
            if (track is null)
            {
                track = new Track(_nextId++, faces[i].Box, [.. faces[i].Probabilities]);
                _tracks.Add(track);
            }
            else
            {
                track.Observe(faces[i], _options.NewFrameWeight);
            }

            seen.Add(track);

            var best = Array.IndexOf(track.Probabilities, track.Probabilities.Max());
            results[i] = new TrackedFaceExpression(track.Id, faces[i], (Expression)best, track.Probabilities[best], [.. track.Probabilities]);
        }

        foreach (var track in _tracks)
        {
            track.MissedFrames = seen.Contains(track) ? 0 : track.MissedFrames + 1;
        }

        _tracks.RemoveAll(t => t.MissedFrames > _options.MaxMissedFrames);
        return results;
    }

    private static void Check(FaceExpression? face, int index)
    {
        if (face is null)
        {
            throw new ArgumentException($"Face {index} is null.", "faces");
        }

        if (face.Box.Width <= 0 || face.Box.Height <= 0)
        {
            throw new ArgumentException($"Face {index} has an empty box {face.Box}.", "faces");
        }

        if (face.Probabilities is not { Count: Expressions.Count } probabilities || probabilities.Any(p => !(p is >= 0 and <= 1)))
        {
            throw new ArgumentException($"Face {index} must have {Expressions.Count} probabilities in [0, 1]; got [{string.Join(", ", face.Probabilities ?? [])}].", "faces");
        }
    }

    /// <summary>Forgets every track (for example when the video jumps).</summary>
    public void Reset() => _tracks.Clear();

    // Greedy matching, best overlap first: faces rarely cross, and a few faces per frame need nothing cleverer.
    private Track?[] Match(IReadOnlyList<FaceExpression> faces)
    {
        var pairs = new List<(double Overlap, int Face, Track Track)>();
        for (var i = 0; i < faces.Count; i++)
        {
            foreach (var track in _tracks)
            {
                var overlap = IntersectionOverUnion(faces[i].Box, track.Box);
                if (overlap >= _options.MinimumOverlap)
                {
                    pairs.Add((overlap, i, track));
                }
            }
        }

        var assignment = new Track?[faces.Count];
        var taken = new HashSet<Track>();
        foreach (var (_, face, track) in pairs.OrderByDescending(p => p.Overlap))
        {
            if (assignment[face] is null && taken.Add(track))
            {
                assignment[face] = track;
            }
        }

        return assignment;
    }

    internal static double IntersectionOverUnion(FaceBox a, FaceBox b)
    {
        var width = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X);
        var height = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y);
        if (width <= 0 || height <= 0)
        {
            return 0;
        }

        var intersection = (double)width * height;
        return intersection / (((double)a.Width * a.Height) + ((double)b.Width * b.Height) - intersection);
    }

    private sealed class Track(int id, FaceBox box, float[] probabilities)
    {
        public int Id { get; } = id;

        public FaceBox Box { get; private set; } = box;

        public float[] Probabilities { get; } = probabilities;

        public int MissedFrames { get; set; }

        public void Observe(FaceExpression face, double newFrameWeight)
        {
            Box = face.Box;
            for (var k = 0; k < Probabilities.Length; k++)
            {
                Probabilities[k] = (float)(((1 - newFrameWeight) * Probabilities[k]) + (newFrameWeight * face.Probabilities[k]));
            }
        }
    }
}
