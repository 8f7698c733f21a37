using System.Buffers.Binary;
using PersonalFer.Data;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// The frozen network's features of one person's faces, kept in a profile so that it can grow from new photos
/// without the old ones: one row per crop (a face and its jittered copies) and per mirror image, each with its
/// expression and the face it came from (a face's rows share a number, so that leave-one-out leaves them all out). Features, not images: the 2,304
/// outputs of the convolutional layers for a 48×48 crop.
/// </summary>
internal sealed class PersonFeatures
{
    // features.bin: int32 rows, int32 features per row, then per row a label byte and an int32 face number, then
    // rows × features float32, all little-endian.
    private const int HeaderBytes = 8;
    private const int RowTagBytes = 5;

    /// <summary>
    /// The most bytes a profile's features take: over 7,000 rows, 200 faces with all their jittered copies and
    /// mirrors, or 3,600 faces without copies — far more than anyone enrols.
    /// </summary>
    public const int MaxBytes = 64 << 20;

    // A face's rows: the face and its jittered copies, each with its mirror image.
    private const int MaxRowsPerFace = 2 * (1 + PersonalizationOptions.MaxJitteredCopiesPerFace);

    private PersonFeatures(float[] values, Expression[] labels, int[] faces, int length, int faceCount)
    {
        Values = values;
        Labels = labels;
        Faces = faces;
        Length = length;
        FaceCount = faceCount;
    }

    public float[] Values { get; }

    public Expression[] Labels { get; }

    public int[] Faces { get; }

    public int Length { get; }

    public int FaceCount { get; }

    public int Rows => Labels.Length;

    /// <summary>The size of <see cref="Write"/>'s bytes.</summary>
    public long ByteCount => HeaderBytes + ((long)Rows * RowTagBytes) + ((long)Values.Length * sizeof(float));

    /// <summary>
    /// Features from <see cref="ExpressionModel.ExtractFeatures"/> of crops (originals first, then any mirrors), where
    /// crop i shows face <paramref name="faceOfCrop"/>[i] (a face's crops are consecutive: the face, then its jittered copies).
    /// </summary>
    /// <remarks>
    /// Rows are reordered crop by crop (a crop, then its mirror image), so that a profile grown from photos A then B
    /// holds its rows in the order one fine-tune on A and B together gives, and trains the same head from them.
    /// </remarks>
    public static PersonFeatures From(FaceFeatures extracted, int[] faceOfCrop)
    {
        var crops = faceOfCrop.Length;
        var mirrors = extracted.Count / crops;
        var length = extracted.Length;
        var values = new float[extracted.Values.Length];
        var labels = new Expression[extracted.Count];
        var faces = new int[extracted.Count];
        for (var crop = 0; crop < crops; crop++)
        {
            for (var copy = 0; copy < mirrors; copy++)
            {
                var from = (copy * crops) + crop;
                var to = (crop * mirrors) + copy;
                Array.Copy(extracted.Values, from * length, values, to * length, length);
                labels[to] = extracted.Labels[from];
                faces[to] = faceOfCrop[crop];
            }
        }

        return new PersonFeatures(values, labels, faces, length, crops == 0 ? 0 : faceOfCrop[^1] + 1);
    }

    /// <summary>These faces followed by <paramref name="more"/>, renumbered after these.</summary>
    public PersonFeatures Append(PersonFeatures more)
    {
        if (more.Length != Length)
        {
            throw new ArgumentException($"Features of {more.Length} values do not extend features of {Length}.", nameof(more));
        }

        return new PersonFeatures(
            [.. Values, .. more.Values],
            [.. Labels, .. more.Labels],
            [.. Faces, .. more.Faces.Select(face => face + FaceCount)],
            Length,
            FaceCount + more.FaceCount);
    }

    public FaceFeatures ToFaceFeatures(string modelFingerprint) => new(Values, Labels, Length, modelFingerprint);

    /// <summary>Faces per expression, in <see cref="Expression"/> order.</summary>
    public int[] FacesPerExpression()
    {
        var counts = new int[Expressions.Count];
        var seen = new HashSet<int>();
        for (var row = 0; row < Rows; row++)
        {
            if (seen.Add(Faces[row]))
            {
                counts[(int)Labels[row]]++;
            }
        }

        return counts;
    }

    public void Write(Stream stream)
    {
        var bytes = new byte[ByteCount];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Rows);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Length);
        var offset = HeaderBytes;
        for (var row = 0; row < Rows; row++, offset += RowTagBytes)
        {
            bytes[offset] = (byte)Labels[row];
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset + 1), Faces[row]);
        }

        foreach (var value in Values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset), value);
            offset += sizeof(float);
        }

        stream.Write(bytes);
    }

    /// <summary>Reads <see cref="Write"/>'s bytes, checked against the model's feature size and the manifest's counts.</summary>
    /// <exception cref="InvalidDataException">Anything does not fit; the message says what.</exception>
    public static PersonFeatures Read(byte[] content, int length, IReadOnlyList<int> facesPerExpression)
    {
        if (content.Length < HeaderBytes)
        {
            throw new InvalidDataException($"is {content.Length} bytes long, shorter than its header");
        }

        var rows = BinaryPrimitives.ReadInt32LittleEndian(content);
        var stored = BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(4));
        if (stored != length)
        {
            throw new InvalidDataException($"holds {stored} features per face, but this model's feature extractor gives {length}");
        }

        var faceCount = facesPerExpression.Sum();
        if (rows < faceCount || rows > MaxRowsPerFace * (long)faceCount)
        {
            throw new InvalidDataException($"holds {rows} rows for {faceCount} faces (one to {MaxRowsPerFace} per face: the face, its jittered copies and their mirror images)");
        }

        var expected = HeaderBytes + ((long)rows * RowTagBytes) + ((long)rows * length * sizeof(float));
        if (content.Length != expected)
        {
            throw new InvalidDataException($"is {content.Length} bytes long, not the {expected} its {rows} rows of {length} features take");
        }

        var labels = new Expression[rows];
        var faces = new int[rows];
        var faceLabels = new Expression?[faceCount];
        var offset = HeaderBytes;
        for (var row = 0; row < rows; row++, offset += RowTagBytes)
        {
            labels[row] = (Expression)content[offset];
            faces[row] = BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(offset + 1));
            if (!Enum.IsDefined(labels[row]))
            {
                throw new InvalidDataException($"row {row} is labelled {content[offset]}, not one of the {Expressions.Count} expressions");
            }

            if (faces[row] < 0 || faces[row] >= faceCount)
            {
                throw new InvalidDataException($"row {row} names face {faces[row]}, outside the {faceCount} faces");
            }

            if (faceLabels[faces[row]] is { } earlier && earlier != labels[row])
            {
                throw new InvalidDataException($"face {faces[row]} is labelled both {earlier} and {labels[row]}");
            }

            faceLabels[faces[row]] = labels[row];
        }

        var values = new float[rows * length];
        for (var i = 0; i < values.Length; i++, offset += sizeof(float))
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(content.AsSpan(offset));
            if (!float.IsFinite(values[i]))
            {
                throw new InvalidDataException($"feature {i % length} of row {i / length} is not a finite number");
            }
        }

        var features = new PersonFeatures(values, labels, faces, length, faceCount);
        var counted = features.FacesPerExpression();
        if (!counted.SequenceEqual(facesPerExpression))
        {
            throw new InvalidDataException($"holds faces [{string.Join(", ", counted)}] per expression, but the manifest counts [{string.Join(", ", facesPerExpression)}]");
        }

        return features;
    }
}
