namespace PersonalFer.Data;

/// <summary>FER2013's three original splits (the CSV's <c>Usage</c> column).</summary>
public enum Fer2013Split
{
    /// <summary>"Training": 28,709 images, for training.</summary>
    Training,

    /// <summary>"PublicTest": 3,589 images, the validation split (early stopping, model selection).</summary>
    PublicTest,

    /// <summary>"PrivateTest": 3,589 images, the held-out test split every reported accuracy uses.</summary>
    PrivateTest,
}
