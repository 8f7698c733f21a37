using PersonalFer;
using PersonalFer.Web;

// Content root = the output folder, where the page (wwwroot) and appsettings.json are copied: the app runs the same
// whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var options = builder.Configuration.GetSection(FerWebOptions.Section).Get<FerWebOptions>() ?? new FerWebOptions();
options.Validate();

// One model, detector, pipeline and personalizer for every connection (AddPersonalFer registers them as singletons),
// set from the PersonalFer section (model file, detector size, …), validated when the host starts.
builder.Services.AddPersonalFer(builder.Configuration.GetSection("PersonalFer"));
builder.Services.AddSingleton(options);
builder.Services.AddSingleton<FerService>();
builder.Services.AddSingleton<ServerStats>();
builder.Services.AddSingleton<FineTuneSlots>();
builder.Services.AddSingleton(new ProfileStore(options.DatabasePath()));

var app = builder.Build();
var store = app.Services.GetRequiredService<ProfileStore>();
await store.InitializeAsync(app.Lifetime.ApplicationStopping);
Log.Database(app.Logger, store.DatabasePath);

// Loaded and run once before the first request, so the first visitor's frames are not the ones that wait for the model.
await app.Services.GetRequiredService<FerService>().WarmAsync(app.Lifetime.ApplicationStopping);

app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
app.UseDefaultFiles();
app.UseStaticFiles();

app.Map("/ws", async (HttpContext context, FerService fer, ProfileStore profiles, FineTuneSlots slots, ServerStats stats, ILogger<LiveSession> logger) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        return Results.BadRequest("This endpoint speaks WebSocket only.");
    }

    if (!stats.TryEnter())
    {
        Log.ConnectionRefused(logger, options.MaxConnections);
        return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }

    try
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var session = new LiveSession(socket, fer, profiles, slots, options, stats, logger);
        Log.ConnectionOpened(logger, session.Id, stats.Connections);
        // Kestrel aborts requests only after its shutdown timeout: a stopping server ends its sessions itself, before
        // the model they use is disposed.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
        await session.RunAsync(ended.Token);
        return Results.Empty;
    }
    finally
    {
        stats.Leave();
    }
});

app.MapGet("/api/stats", (ServerStats stats) => Results.Json(stats.Snapshot()));

await app.RunAsync();
