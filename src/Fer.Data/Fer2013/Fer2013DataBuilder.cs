namespace PersonalFer.Data;

/// <summary>Collects faces per split in chunks, so loading never copies a growing array.</summary>
internal sealed class Fer2013DataBuilder(Fer2013LoadOptions options, FerPlusVotes? ferPlus)
{
    private const int FacesPerChunk = 1024;
    private readonly SplitBuilder[] _splits = [.. Enum.GetValues<Fer2013Split>().Select(_ => new SplitBuilder())];
    private readonly List<Fer2013FormatException> _skipped = [];
    private int _droppedBlank;
    private int _droppedByFerPlus;

    /// <summary>Adds the face of data row <paramref name="row"/> (0-based, header excluded).</summary>
    public void Add(int row, Fer2013Split split, ReadOnlySpan<byte> pixels, Expression label)
    {
        if (options.DropBlankImages && !pixels.ContainsAnyExcept((byte)0))
        {
            _droppedBlank++;
            return;
        }

        if (ferPlus is not null)
        {
            if (ferPlus.MajorityLabel(row, split) is not { } relabelled)
            {
                _droppedByFerPlus++;
                return;
            }

            label = relabelled;
        }

        _splits[(int)split].Add(pixels, label);
    }

    /// <summary>Rows in the FER+ label file, when one is used.</summary>
    public int? FerPlusRows => ferPlus?.Count;

    public void Skip(Fer2013FormatException error) => _skipped.Add(error);

    public Fer2013Data Build() => new(
        _splits[(int)Fer2013Split.Training].Build(),
        _splits[(int)Fer2013Split.PublicTest].Build(),
        _splits[(int)Fer2013Split.PrivateTest].Build(),
        _skipped,
        _droppedBlank,
        _droppedByFerPlus);

    private sealed class SplitBuilder
    {
        // Chunks double from FirstChunkFaces up to FacesPerChunk: a small file allocates little, and a large one
        // never copies a growing array.
        private const int FirstChunkFaces = 16;
        private readonly List<byte[]> _chunks = [];
        private readonly List<Expression> _labels = [];
        private int _inChunk;

        public void Add(ReadOnlySpan<byte> pixels, Expression label)
        {
            if (_chunks.Count == 0 || _inChunk * FaceImage.PixelCount == _chunks[^1].Length)
            {
                var faces = Math.Min(FacesPerChunk, FirstChunkFaces << Math.Min(_chunks.Count, 16));
                _chunks.Add(new byte[faces * FaceImage.PixelCount]);
                _inChunk = 0;
            }

            pixels.CopyTo(_chunks[^1].AsSpan(_inChunk++ * FaceImage.PixelCount));
            _labels.Add(label);
        }

        public FaceDataset Build()
        {
            var pixels = new byte[_labels.Count * FaceImage.PixelCount];
            var offset = 0;
            foreach (var chunk in _chunks)
            {
                var length = Math.Min(chunk.Length, pixels.Length - offset);
                chunk.AsSpan(0, length).CopyTo(pixels.AsSpan(offset));
                offset += length;
            }

            return new FaceDataset(pixels, [.. _labels]);
        }
    }
}
