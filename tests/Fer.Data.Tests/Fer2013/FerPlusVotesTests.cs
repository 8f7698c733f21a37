namespace PersonalFer.Data.Tests;

public sealed class FerPlusVotesTests : IDisposable
{
    private const string Name = "fer2013new.csv";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fer-plus-");

    private static readonly SampleRow[] Rows = [new(Expression.Angry, Fer2013Split.Training, 1), new(Expression.Angry, Fer2013Split.PublicTest, 2)];

    public void Dispose() => _directory.Delete(recursive: true);

    private static string Votes(params string[] rows) => Fer2013Samples.FerPlusHeader + "\n" + string.Join('\n', rows) + "\n";

    private static Fer2013FormatException Rejected(string votes) =>
        Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.LoadFerPlus(Fer2013Samples.Bytes(votes), Name));

    [Theory]
    [InlineData("Training,a.png,-1,8,2,0,0,0,0,0,0,0", "neutral vote count '-1' is not a number from 0 to 10")]
    [InlineData("Training,a.png,0,11,0,0,0,0,0,0,0,0", "happiness vote count '11' is not a number from 0 to 10")]
    [InlineData("Training,a.png,0,99999999999999999999,0,0,0,0,0,0,0,0", "happiness vote count '99999999999999999999' is not")]
    [InlineData("Training,a.png,0,1.5,0,0,0,0,0,0,0,0", "happiness vote count '1.5' is not")]
    [InlineData("Training,a.png,0,,0,0,0,0,0,0,0,0", "happiness vote count '' is not")]
    [InlineData("Training,a.png,0,0,0,0,0,0,0,0,0,0", "the votes add up to 0")]
    [InlineData("Training,a.png,5,5,5,0,0,0,0,0,0,0", "the votes add up to 15")]
    [InlineData("Validation,a.png,0,8,2,0,0,0,0,0,0,0", "unknown Usage 'Validation'")]
    [InlineData("Training,a.png,0,8,2,0,0,0,0,0,0", "expected 12 comma-separated fields, found 11")]
    public void Malformed_vote_rows_name_file_line_field_and_value(string row, string problem)
    {
        var error = Rejected(Votes("Training,b.png,0,8,2,0,0,0,0,0,0,0", row));

        Assert.Equal(Name, error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_with_columns_out_of_order_is_not_FER_plus()
    {
        var swapped = Fer2013Samples.FerPlusHeader.Replace("happiness,surprise", "surprise,happiness", StringComparison.Ordinal);
        var error = Rejected(swapped + "\nTraining,a.png,0,8,2,0,0,0,0,0,0,0\n");
        Assert.Equal(1, error.Line);
        Assert.Contains("not a FER+ fer2013new.csv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cut_last_line_says_the_file_looks_truncated()
    {
        var error = Rejected(Votes("Training,a.png,0,8,2,0,0,0,0,0,0,0", "Training,b.png,0,8,2,0,0")[..^1]);
        Assert.Equal(3, error.Line);
        Assert.Contains("the file looks truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bom_crlf_and_blank_lines_read_like_the_plain_file()
    {
        var votes = Fer2013Samples.LoadFerPlus(Fer2013Samples.Bytes("\uFEFF" + Votes("Training,a.png,0,8,2,0,0,0,0,0,0,0", "", "PublicTest,b.png,1,0,0,6,3,0,0,0,0,0").Replace("\n", "\r\n", StringComparison.Ordinal)), Name);

        Assert.Equal(2, votes.Count);
        Assert.Equal(Expression.Happy, votes.MajorityLabel(0, Fer2013Split.Training));
        Assert.Equal(Expression.Sad, votes.MajorityLabel(1, Fer2013Split.PublicTest));
    }

    [Fact]
    public void Votes_whose_usage_differs_from_the_FER2013_row_do_not_line_up()
    {
        var votes = Fer2013Samples.LoadFerPlus(Fer2013Samples.Bytes(Votes("Training,a.png,0,8,2,0,0,0,0,0,0,0", "PrivateTest,b.png,0,8,2,0,0,0,0,0,0,0")), Name);

        var error = Assert.Throws<Fer2013FormatException>(() => Fer2013Samples.Load(Fer2013Samples.Bytes(Fer2013Samples.Csv(Rows)), "fer.csv", ferPlus: votes));

        Assert.Equal(Name, error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("Usage 'PrivateTest' differs from the FER2013 data's 'PublicTest' for data row 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_not_found_and_a_folder_is_not_a_label_file()
    {
        var csv = Path.Combine(_directory.FullName, "fer.csv");
        File.WriteAllText(csv, Fer2013Samples.Csv(Rows));
        var missing = Path.Combine(_directory.FullName, "nope", Name);

        Assert.Equal(missing, Assert.Throws<FileNotFoundException>(() => Fer2013.Load(csv, new Fer2013LoadOptions { FerPlusLabelsPath = missing })).FileName);
        var folder = Assert.Throws<Fer2013FormatException>(() => Fer2013.Load(csv, new Fer2013LoadOptions { FerPlusLabelsPath = _directory.FullName }));
        Assert.Contains("is a folder", folder.Message, StringComparison.Ordinal);
    }
}
