using System.IO.Compression;
using System.Text;
using PersonalFer.Tests;

namespace PersonalFer.Data.Tests;

public sealed class Fer2013CsvTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-csv-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static string Pixels(int seed) => string.Join(' ', Enumerable.Range(0, FaceImage.PixelCount).Select(i => (i * seed) % 256));

    private string Write(string name, string content, bool gzip = false)
    {
        var path = Path.Combine(_directory.FullName, name);
        var bytes = Encoding.UTF8.GetBytes(content);
        if (gzip)
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }

        return path;
    }

    private static string Csv(params string[] rows) => "emotion,pixels,Usage\n" + string.Join('\n', rows) + "\n";

    [Fact]
    public void Rows_land_in_their_splits_with_exact_pixels_and_labels()
    {
        var path = Write("fer.csv", Csv($"3,{Pixels(7)},Training", $"6,{Pixels(3)},PublicTest", $"0,{Pixels(5)},PrivateTest", $"1,{Pixels(1)},Training"));

        var data = Fer2013.Load(path);

        Assert.Equal(2, data.Training.Count);
        Assert.Equal([Expression.Happy, Expression.Disgust], data.Training.Labels);
        Assert.Equal(Expression.Neutral, Assert.Single(data.PublicTest.Labels));
        Assert.Equal(Expression.Angry, Assert.Single(data.PrivateTest.Labels));
        Assert.Equal(Enumerable.Range(0, FaceImage.PixelCount).Select(i => (byte)(i * 7 % 256)), data.Training.Image(0).ToArray());
        Assert.Equal(Enumerable.Range(0, FaceImage.PixelCount).Select(i => (byte)(i * 5 % 256)), data.PrivateTest.Image(0).ToArray());
    }

    [Fact]
    public void Gzip_and_crlf_files_read_the_same_as_plain_ones()
    {
        var content = Csv($"2,{Pixels(11)},Training", $"4,{Pixels(13)},PublicTest");
        var plain = Fer2013.Load(Write("a.csv", content));
        var zipped = Fer2013.Load(Write("a.csv.gz", content.Replace("\n", "\r\n", StringComparison.Ordinal), gzip: true));

        Assert.Equal(plain.Training.Pixels.ToArray(), zipped.Training.Pixels.ToArray());
        Assert.Equal(plain.PublicTest.Labels, zipped.PublicTest.Labels);
    }

    [Theory]
    [InlineData("7", "Training", "unknown emotion label '7'")]
    [InlineData("x", "Training", "unknown emotion label 'x'")]
    [InlineData("3", "Validation", "unknown Usage 'Validation'")]
    public void Unknown_labels_and_usages_name_file_line_and_value(string label, string usage, string problem)
    {
        var path = Write("bad.csv", Csv($"3,{Pixels(2)},Training", $"{label},{Pixels(2)},{usage}"));

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(path));

        Assert.Equal(path, error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}, line 3: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_pixel_counts_are_rejected()
    {
        var tooFew = string.Join(' ', Enumerable.Repeat("1", 2303));
        var tooMany = string.Join(' ', Enumerable.Repeat("1", 2305));
        Assert.Contains("expected 2304 pixel values, found 2303",
            Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("few.csv", Csv($"0,{tooFew},Training")))).Message, StringComparison.Ordinal);
        Assert.Contains("more than 2304 pixel values",
            Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("many.csv", Csv($"0,{tooMany},Training")))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("256", "pixel 5 is out of range 0–255 ('256')")]
    [InlineData("-1", "pixel 5 is not a number ('-1')")]
    [InlineData("1.5", "pixel 5 is not a number ('1.5')")]
    [InlineData("0012", "pixel 5 is out of range 0–255 ('0012')")]
    public void Pixel_values_outside_0_to_255_are_rejected_with_position_and_value(string value, string problem)
    {
        var pixels = Enumerable.Repeat("9", FaceImage.PixelCount).ToArray();
        pixels[4] = value;
        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("range.csv", Csv($"0,{string.Join(' ', pixels)},Training"))));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Double_spaces_are_an_empty_pixel_not_a_silent_shift()
    {
        var pixels = Pixels(3).Replace(" ", "  ", StringComparison.Ordinal);
        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("spaces.csv", Csv($"0,{pixels},Training"))));
        Assert.Contains("pixel 2 is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_columns_and_wrong_field_counts_are_named()
    {
        var missing = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("nousage.csv", $"emotion,pixels\n0,{Pixels(1)}\n")));
        Assert.Contains("missing column 'Usage'", missing.Message, StringComparison.Ordinal);
        Assert.Equal(1, missing.Line);

        var fields = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("fields.csv", Csv($"0,{Pixels(1)}"))));
        Assert.Contains("expected 3 comma-separated fields, found 2", fields.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_missing_files_are_clear_errors()
    {
        Assert.Contains("the file is empty", Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("empty.csv", ""))).Message, StringComparison.Ordinal);
        var missing = Path.Combine(_directory.FullName, "nope.csv");
        Assert.Equal(missing, Assert.Throws<FileNotFoundException>(() => Fer2013.Load(missing)).FileName);
        var inMissingFolder = Path.Combine(_directory.FullName, "nowhere", "fer.csv");
        Assert.Equal(inMissingFolder, Assert.Throws<FileNotFoundException>(() => Fer2013.Load(inMissingFolder)).FileName);
    }

    [Fact]
    public void Truncated_gzip_is_an_error_not_a_short_data_set()
    {
        var content = Csv(Enumerable.Range(0, 50).Select(i => $"{i % 7},{Pixels(i + 1)},Training").ToArray());
        var path = Write("cut.csv.gz", content, gzip: true);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(path));
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void A_plain_csv_cut_inside_its_last_row_names_the_line_and_looks_truncated()
    {
        var content = Csv($"3,{Pixels(7)},Training", $"6,{Pixels(3)},PublicTest");
        var path = Write("cut.csv", content[..(content.Length - 200)]);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(path));

        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{path}, line 3: expected 3 comma-separated fields, found 2", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(the last line has no line end: the file looks truncated)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_without_rows_is_an_error_not_an_empty_data_set()
    {
        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("header.csv", "emotion,pixels,Usage\n\n")));
        Assert.Contains("no data rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bom_crlf_quotes_and_reordered_columns_read_like_the_canonical_file()
    {
        // As R's write.csv and Excel save it: a BOM, CRLF, every field quoted; and the columns in another order.
        var canonical = Fer2013.Load(Write("canonical.csv", Csv($"2,{Pixels(11)},Training", $"4,{Pixels(13)},PrivateTest")));
        var variant = Fer2013.Load(Write("variant.csv",
            $"\uFEFF\"Usage\",\"emotion\",\"pixels\"\r\n\"Training\",\"2\",\"{Pixels(11)}\"\r\n\r\n\"PrivateTest\",\"4\",\"{Pixels(13)}\"\r\n"));

        Assert.Equal(canonical.Training.Pixels.ToArray(), variant.Training.Pixels.ToArray());
        Assert.Equal(canonical.PrivateTest.Labels, variant.PrivateTest.Labels);
    }

    [Fact]
    public void A_column_named_twice_is_ambiguous()
    {
        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("twice.csv", $"emotion,pixels,Usage,Emotion\n3,{Pixels(1)},Training,4\n")));
        Assert.Contains("column 'emotion' appears more than once", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Hundreds_of_thousands_of_columns_read_without_exhausting_the_stack()
    {
        var extra = new string(',', 400_000);
        var data = Fer2013.Load(Write("wide.csv", $"emotion,pixels,Usage{extra}\n3,{Pixels(1)},Training{extra}\n"));
        Assert.Equal(1, data.Training.Count);
    }

    [Fact]
    public void Binary_garbage_is_a_format_error_quoting_it_readably()
    {
        var garbage = new byte[3000];
        new Random(1).NextBytes(garbage);
        garbage[0] = 0;
        var path = Path.Combine(_directory.FullName, "garbage.csv");
        File.WriteAllBytes(path, garbage);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(path));

        Assert.Equal(path, error.File);
        Assert.DoesNotContain('\0', error.Message);
    }

    [Fact]
    public void A_line_longer_than_a_mebibyte_is_not_FER2013()
    {
        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(Write("long.csv", "emotion,pixels,Usage\n" + new string('7', 3 << 20))));
        Assert.Equal(2, error.Line);
        Assert.Contains("longer than 1 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_rows_can_be_skipped_and_are_counted_with_their_reasons()
    {
        var path = Write("mixed.csv", Csv($"3,{Pixels(7)},Training", $"9,{Pixels(7)},Training", $"3,{Pixels(7)},Nowhere", $"5,{Pixels(2)},PrivateTest"));

        var data = Fer2013.Load(path, new Fer2013LoadOptions { SkipMalformedRows = true });

        Assert.Equal(1, data.Training.Count);
        Assert.Equal(1, data.PrivateTest.Count);
        Assert.Equal([3L, 4L], data.SkippedRows.Select(e => e.Line));
    }

    [Fact]
    public void Blank_images_can_be_dropped()
    {
        var black = string.Join(' ', Enumerable.Repeat("0", FaceImage.PixelCount));
        var data = Fer2013.Load(Write("black.csv", Csv($"3,{black},Training", $"3,{Pixels(3)},Training")), new Fer2013LoadOptions { DropBlankImages = true });
        Assert.Equal(1, data.Training.Count);
        Assert.Equal(1, data.DroppedBlankImages);
    }

    [Fact]
    public void Ferplus_majority_relabels_and_drops_not_a_face()
    {
        var csv = Write("f.csv", Csv($"0,{Pixels(1)},Training", $"0,{Pixels(2)},Training", $"0,{Pixels(3)},PublicTest"));
        var ferPlus = Write("fer2013new.csv",
            "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n" +
            "Training,fer0000000.png,0,8,2,0,0,0,0,0,0,0\n" +
            "Training,,0,0,0,0,0,0,0,0,0,10\n" +
            "PublicTest,fer0000002.png,1,0,0,6,3,0,0,0,0,0\n");

        var data = Fer2013.Load(csv, new Fer2013LoadOptions { FerPlusLabelsPath = ferPlus });

        Assert.Equal(Expression.Happy, Assert.Single(data.Training.Labels));
        Assert.Equal(Expression.Sad, Assert.Single(data.PublicTest.Labels));
        Assert.Equal(1, data.DroppedByFerPlus);
    }

    [Fact]
    public void Ferplus_files_that_do_not_line_up_are_rejected()
    {
        var csv = Write("g.csv", Csv($"0,{Pixels(1)},Training", $"0,{Pixels(2)},Training"));
        var ferPlus = Write("short.csv", "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\nTraining,a.png,0,8,2,0,0,0,0,0,0,0\n");
        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(csv, new Fer2013LoadOptions { FerPlusLabelsPath = ferPlus }));
        Assert.Contains("has 2 data rows but the FER+ label file has 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shared_FER2013_has_the_published_counts()
    {
        var data = Fer2013.Load(SharedFiles.Fer2013Csv);

        Assert.Equal((28_709, 3_589, 3_589), (data.Training.Count, data.PublicTest.Count, data.PrivateTest.Count));
        Assert.Equal([3_995, 436, 4_097, 7_215, 4_830, 3_171, 4_965], data.Training.ClassCounts());
        Assert.Equal([491, 55, 528, 879, 594, 416, 626], data.PrivateTest.ClassCounts());
        // Row 0 of fer2013.csv, the first Training image, starts with these well-known values.
        Assert.Equal([70, 80, 82, 72, 58, 58, 60, 63, 54, 58], data.Training.Image(0)[..10].ToArray());
        Assert.Equal(Expression.Angry, data.Training.Labels[0]);
    }
}
