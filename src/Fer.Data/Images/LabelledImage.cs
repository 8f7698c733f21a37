namespace PersonalFer.Data;

/// <summary>One labelled picture of a person: a whole frame (a detector finds the face) or a face crop.</summary>
/// <param name="Image">The pixels.</param>
/// <param name="Label">The expression shown.</param>
/// <param name="Source">Where it came from (a file path, a frame number), for error messages.</param>
/// <param name="IsFaceCrop">True when the image is already cropped to the face, so no detection runs.</param>
public sealed record LabelledImage(ImageData Image, Expression Label, string Source, bool IsFaceCrop = false);
