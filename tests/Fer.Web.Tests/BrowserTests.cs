using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace PersonalFer.Web.Tests;

/// <summary>
/// The page in Debian's chromium, driven by chromedriver through Selenium, with chromium's fake camera playing a
/// video: expressions appear over the faces, a user enrols (name, prompted captures, fine-tune with progress), the
/// profile row lands in SQLite, personal predictions show next to the general ones, and the delete button removes the
/// row. Screenshots of the page go to <c>screenshots/</c> in the test output (the README's is <c>fer-web.png</c>).
/// </summary>
public sealed class BrowserTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriverFolder = "/usr/bin";
    private const string ChromeDriverName = "chromedriver";
    private static readonly string[] ExpressionNames = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"];

    [Fact]
    public void With_the_bundled_photo_as_camera_the_page_shows_her_expression_enrols_her_into_SQLite_and_deletes_the_profile() =>
        RunPage(FakeCamera.Photo(app.Folder), "Eileen", "fer-web.png");

    [Fact]
    public void With_the_test_clip_as_camera_the_page_shows_expressions_for_its_faces_enrols_a_user_into_SQLite_and_deletes_the_profile() =>
        RunPage(FakeCamera.Clip(app.Folder), "Clip viewer", "fer-web-clip.png");

    private void RunPage(string video, string name, string screenshot)
    {
        using var driver = StartChromium(video);
        driver.Navigate().GoToUrl(app.BaseAddress);

        // Live: the faces of the video are listed (and drawn) with one of the seven expressions each.
        var seen = new HashSet<string>();
        Until(driver, "faces with expressions in the faces list", TimeSpan.FromSeconds(90), () =>
        {
            seen.UnionWith(FaceData(driver, "expression"));
            return seen.Count > 0;
        });
        Assert.All(seen, expression => Assert.Contains(expression, ExpressionNames));
        Assert.Matches(@"[1-9][\d.]* frames/s answered", driver.FindElement(By.Id("stats")).Text);
        Assert.Equal(7, driver.FindElements(By.CssSelector("#chart .bar.general")).Count);

        // Enrolment: name, two frames per expression after a one-second countdown, fine-tune.
        Type(driver, "name", name);
        driver.FindElement(By.Id("use-name")).Click();
        Until(driver, "the profile status to name the user", TimeSpan.FromSeconds(30), () => driver.FindElement(By.Id("profile-status")).Text.Contains("no profile yet", StringComparison.Ordinal));
        Type(driver, "shots", "2");
        Type(driver, "countdown", "1");
        driver.FindElement(By.Id("personalize")).Click();
        Until(driver, "the enrolment to end with a saved profile", TimeSpan.FromMinutes(4), () =>
        {
            var status = driver.FindElement(By.Id("enrol-status")).Text;
            Assert.DoesNotContain("fail", status, StringComparison.OrdinalIgnoreCase);
            return status.StartsWith("Profile saved", StringComparison.Ordinal);
        });
        Assert.Equal("100", driver.FindElement(By.Id("progress")).GetAttribute("value"));

        var row = ProfileDatabase.Row(app.DatabasePath, name);
        Assert.NotNull(row);
        Assert.Equal(["head.bin", "profile.json"], ProfileDatabase.Entries(row));

        // Live again: each face now has the profile's prediction beside the general one.
        var personal = new HashSet<string>();
        Until(driver, "personal predictions beside the general ones", TimeSpan.FromSeconds(30), () =>
        {
            personal.UnionWith(FaceData(driver, "personal"));
            return personal.Count > 0;
        });
        Assert.All(personal, expression => Assert.Contains(expression, ExpressionNames));
        Assert.Contains(name, driver.FindElement(By.Id("profile-status")).Text, StringComparison.Ordinal);
        SaveScreenshot(driver, screenshot);

        // Delete: the row goes.
        driver.FindElement(By.Id("delete")).Click();
        driver.SwitchTo().Alert().Accept();
        Until(driver, "the deletion to be confirmed", TimeSpan.FromSeconds(30), () => driver.FindElement(By.Id("enrol-status")).Text == "Your profile is deleted.");
        Assert.Null(ProfileDatabase.Row(app.DatabasePath, name));
    }

    private static ChromeDriver StartChromium(string video)
    {
        Assert.True(File.Exists(Chromium) && File.Exists(Path.Combine(ChromeDriverFolder, ChromeDriverName)),
            $"{Chromium} or chromedriver is missing: run scripts/install-prerequisites.sh (./build.sh does), which installs Debian's chromium and chromium-driver.");
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments(
            "--headless=new",
            "--no-sandbox",                              // tests run as root in CI, where chromium's sandbox refuses to start
            "--disable-dev-shm-usage",
            "--window-size=1280,860",
            "--use-fake-ui-for-media-stream",            // grant the camera without a prompt
            "--use-fake-device-for-media-stream",
            $"--use-file-for-fake-video-capture={video}");
        var service = ChromeDriverService.CreateDefaultService(ChromeDriverFolder, ChromeDriverName);
        service.SuppressInitialDiagnosticInformation = true;
        return new ChromeDriver(service, options, TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// One data attribute of every face listed now, read in one script: the list is redrawn with every frame, so
    /// elements found in one call are gone by the next.
    /// </summary>
    private static IEnumerable<string> FaceData(ChromeDriver driver, string attribute) =>
        ((IEnumerable<object>)driver.ExecuteScript($"return [...document.querySelectorAll('#faces li[data-{attribute}]')].map(li => li.dataset.{attribute});")!)
            .Select(value => (string)value);

    private static void Type(ChromeDriver driver, string id, string text)
    {
        var input = driver.FindElement(By.Id(id));
        input.Clear();
        input.SendKeys(text);
    }

    private void Until(ChromeDriver driver, string what, TimeSpan limit, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                SaveScreenshot(driver, "fer-web-failure.png");
                Assert.Fail($"Timed out after {limit.TotalSeconds:F0} s waiting for {what}. Page status: '{driver.FindElement(By.Id("connection")).Text}', " +
                    $"stats: '{driver.FindElement(By.Id("stats")).Text}', error: '{driver.FindElement(By.Id("error")).Text}', enrolment: '{driver.FindElement(By.Id("enrol-status")).Text}'.\nApp log:\n{app.Log}");
            }

            Thread.Sleep(200);
        }
    }

    private static void SaveScreenshot(ChromeDriver driver, string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var path = Path.Combine(folder, name);
        driver.GetScreenshot().SaveAsFile(path);
        TestContext.Current.SendDiagnosticMessage($"Screenshot: {path}");
    }
}
