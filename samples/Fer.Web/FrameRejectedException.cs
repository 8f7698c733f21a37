namespace PersonalFer.Web;

/// <summary>A frame the server will not classify; <see cref="Code"/> is what the page is told, and the connection goes on.</summary>
internal sealed class FrameRejectedException(string code, string message) : Exception(message)
{
    /// <summary>A stable, machine-readable reason (<c>not-an-image</c>, <c>too-many-pixels</c>, …).</summary>
    public string Code { get; } = code;
}
