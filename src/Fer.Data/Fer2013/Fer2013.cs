namespace PersonalFer.Data;

/// <summary>Loads FER2013 in the forms people have it.</summary>
public static class Fer2013
{
    /// <summary>
    /// Loads FER2013 from the Kaggle <c>fer2013.csv</c>, its gzip-compressed <c>.csv.gz</c>, or a folder in the
    /// Kaggle image layout (<c>train/&lt;class&gt;/*</c>, <c>test/&lt;class&gt;/*</c>). A gzip file must be whole:
    /// every member's CRC-32 and length are checked, and a cut file is an error, never a shorter data set.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>, or the FER+ label file is not there.</exception>
    /// <exception cref="Fer2013FormatException">The input is there but malformed (truncated, corrupt, wrong values,
    /// no data); the message names file, line and problem.</exception>
    public static Fer2013Data Load(string path, Fer2013LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new Fer2013LoadOptions();
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: not found (expected FER2013 as a .csv, a .csv.gz or a folder with train/ and test/)", path);
        }

        var ferPlus = options.FerPlusLabelsPath is { } ferPlusPath ? FerPlusVotes.Load(ferPlusPath) : null;
        var builder = new Fer2013DataBuilder(options, ferPlus);
        if (Directory.Exists(path))
        {
            if (ferPlus is not null)
            {
                throw new Fer2013FormatException(path, 0, "FER+ labels line up with the CSV's row order; the image-folder layout has none");
            }

            Fer2013Folder.Read(path, builder, options);
        }
        else
        {
            Fer2013Csv.Read(path, builder, options);
        }

        return builder.Build();
    }
}
