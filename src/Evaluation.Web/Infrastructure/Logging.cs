namespace Evaluation.Web.Infrastructure;

public static class Logging
{
    /// <summary>
    /// One JSON object per line, for a log collector. Request bodies, query strings and headers are never logged:
    /// they can carry slip tokens, answers and passwords.
    /// </summary>
    public static void AddStructuredLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // At Trace, MVC logs every action's arguments: passwords and form contents. Never, whatever the configuration says.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker", level => level > LogLevel.Trace);
        if (builder.Configuration.GetValue("Logging:Json", true))
            builder.Logging.AddJsonConsole(json => json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        else
            builder.Logging.AddSimpleConsole(simple => simple.SingleLine = true);
    }
}
