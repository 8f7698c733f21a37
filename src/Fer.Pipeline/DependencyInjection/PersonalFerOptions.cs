using PersonalFer.Detection;
using PersonalFer.Model;

namespace PersonalFer;

/// <summary>
/// Settings of <c>services.AddPersonalFer(…)</c>, read through <c>IOptions&lt;PersonalFerOptions&gt;</c>: set them with
/// the <c>Action</c> overload, bind them from a configuration section (keys as the property names, e.g.
/// <c>PersonalFer:Detector:MaxDetectionSide</c>), or change them with <c>services.Configure&lt;PersonalFerOptions&gt;</c>.
/// They are validated when the host starts, or else when the first PersonalFer service is resolved.
/// </summary>
public sealed class PersonalFerOptions
{
    /// <summary>A general model file (<c>.fermodel</c>); null (default): the model shipped inside Fer.Model.</summary>
    public string? ModelPath { get; set; }

    /// <summary>
    /// FER2013 (CSV, .csv.gz or folder) whose Training faces personalization replays; null (default): the general
    /// replay features stored in the model file (the shipped model has 2,000), else no replay.
    /// </summary>
    public string? GeneralDataPath { get; set; }

    /// <summary>How many general faces are replayed (taken evenly across the Training split); default 2,000.</summary>
    public int GeneralReplayFaces { get; set; } = 2000;

    /// <summary>YuNet settings.</summary>
    public YuNetOptions Detector { get; set; } = new();

    /// <summary>
    /// How many libtorch threads each inference call uses (applied to the model as
    /// <see cref="ExpressionModel.Threading"/>): by default one per 16 faces, so a frame's faces run on the calling
    /// thread alone and concurrent requests use one core each; nothing process-wide is changed.
    /// </summary>
    public InferenceThreading Threading { get; set; } = new();

    /// <summary>
    /// OpenCV's thread count, which is process-wide: when above 0, the container sets it (<c>Cv2.SetNumThreads</c>)
    /// once, before it creates the face detector, pipeline or personalizer, and logs that it did. The default detector
    /// runs each detection on its calling thread whatever the count (<see cref="YuNetOptions.UseOpenCvThreadPool"/>);
    /// the count matters to a detector on OpenCV's pool (that option, or a detector of the host's) and to the host's
    /// own OpenCV work. 0 (default): OpenCV's setting is left as the host has it.
    /// </summary>
    public int OpenCvThreads { get; set; }

    /// <summary>Pipeline settings.</summary>
    public ExpressionPipelineOptions Pipeline { get; set; } = new();
}
