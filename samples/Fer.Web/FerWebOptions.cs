namespace PersonalFer.Web;

/// <summary>
/// The limits that keep one server bounded however many people connect and whatever they send, and where profiles
/// live. Bound from the <c>FerWeb</c> configuration section (appsettings.json, <c>--FerWeb:Name=value</c>, or
/// <c>FerWeb__Name</c> environment variables).
/// </summary>
internal sealed class FerWebOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "FerWeb";

    /// <summary>SQLite file holding the profiles; empty: <c>personalfer/fer-web.db</c> under the user's local data folder.</summary>
    public string Database { get; set; } = "";

    /// <summary>Live connections served at once; more are refused with 503 before the WebSocket opens.</summary>
    public int MaxConnections { get; set; } = 32;

    /// <summary>Largest encoded frame accepted, in bytes (a 320×240 JPEG from the page is 10–30 KB).</summary>
    public int MaxFrameBytes { get; set; } = 512 * 1024;

    /// <summary>Largest frame accepted, in pixels, read from the JPEG or PNG header before anything is decoded.</summary>
    public int MaxFramePixels { get; set; } = 1280 * 720;

    /// <summary>Frames per second one connection may send; frames above the rate are dropped and counted.</summary>
    public int MaxFramesPerSecond { get; set; } = 30;

    /// <summary>
    /// Frames waiting per connection. When the server is behind, the oldest waiting frame is dropped (and counted), so
    /// a slow server shows the newest frame late rather than every frame ever later.
    /// </summary>
    public int QueueCapacity { get; set; } = 2;

    /// <summary>Labelled frames one connection may hold for its enrolment (7 expressions × up to 10).</summary>
    public int MaxEnrolmentFrames { get; set; } = 70;

    /// <summary>Fine-tunes that run at once on this server; others wait their turn (and are told so).</summary>
    public int MaxConcurrentFineTunes { get; set; } = 1;

    /// <summary>Longest user name, in characters.</summary>
    public int MaxNameLength { get; set; } = 64;

    /// <summary>Checks every limit is positive; called once at start-up.</summary>
    /// <exception cref="InvalidOperationException">A limit is zero or negative.</exception>
    public void Validate()
    {
        foreach (var (name, value) in new[]
        {
            (nameof(MaxConnections), MaxConnections), (nameof(MaxFrameBytes), MaxFrameBytes), (nameof(MaxFramePixels), MaxFramePixels),
            (nameof(MaxFramesPerSecond), MaxFramesPerSecond), (nameof(QueueCapacity), QueueCapacity), (nameof(MaxEnrolmentFrames), MaxEnrolmentFrames),
            (nameof(MaxConcurrentFineTunes), MaxConcurrentFineTunes), (nameof(MaxNameLength), MaxNameLength),
        })
        {
            if (value <= 0)
            {
                throw new InvalidOperationException($"{Section}:{name} must be positive (it is {value}).");
            }
        }
    }

    /// <summary>The SQLite file to use: <see cref="Database"/>, or the default under the user's local data folder.</summary>
    public string DatabasePath() => Database.Length > 0
        ? Path.GetFullPath(Database)
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "personalfer", "fer-web.db");
}
