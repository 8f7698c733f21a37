namespace PersonalFer.Data;

/// <summary>
/// An image file is there but not a readable 8-bit image, or a folder of labelled images is not laid out as
/// <c>&lt;root&gt;/&lt;expression&gt;/*.png|jpg</c>. The message starts with the file or folder and says what is wrong.
/// </summary>
public sealed class ImageFormatException : PersonalFerFormatException
{
    /// <summary>Creates the exception; the message is <paramref name="file"/>, a colon and <paramref name="problem"/>.</summary>
    public ImageFormatException(string file, string problem, Exception? inner = null)
        : base(file, file, problem, inner)
    {
    }
}
