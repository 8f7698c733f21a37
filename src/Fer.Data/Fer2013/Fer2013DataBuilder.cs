namespace PersonalFer.Data;

/// <summary>Collects faces per split in fixed-size chunks, so loading never copies a growing array.</summary>
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
            if (ferPlus.MajorityLabel(row) is not { } relabelled)
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
        private readonly List<byte[]> _chunks = [];
        private readonly List<Expression> _labels = [];

        public void Add(ReadOnlySpan<byte> pixels, Expression label)
        {
            var inChunk = _labels.Count % FacesPerChunk;
            if (inChunk == 0)
            {
                _chunks.Add(new byte[FacesPerChunk * FaceImage.PixelCount]);
            }

            pixels.CopyTo(_chunks[^1].AsSpan(inChunk * FaceImage.PixelCount));
            _labels.Add(label);
        }

        public FaceDataset Build()
        {
            var pixels = new byte[_labels.Count * FaceImage.PixelCount];
            for (var i = 0; i < _chunks.Count; i++)
            {
                var offset = i * FacesPerChunk * FaceImage.PixelCount;
                var length = Math.Min(_chunks[i].Length, pixels.Length - offset);
                _chunks[i].AsSpan(0, length).CopyTo(pixels.AsSpan(offset));
            }

            return new FaceDataset(pixels, [.. _labels]);
        }
    }
}
