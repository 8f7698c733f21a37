using PersonalFer.Detection;

namespace PersonalFer;

/// <summary>Settings of <see cref="PersonalFerServiceCollectionExtensions.AddPersonalFer"/>.</summary>
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

    /// <summary>Pipeline settings.</summary>
    public ExpressionPipelineOptions Pipeline { get; set; } = new();
}
