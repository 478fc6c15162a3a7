namespace Evaluation.Web.Infrastructure;

public static class Logging
{
    /// <summary>
    /// The level at which each MVC invoker logs the arguments it was called with: the action invoker at Trace (passwords
    /// and form contents), the view component invoker at Debug.
    /// </summary>
    private static readonly Dictionary<string, LogLevel> ArgumentLoggers = new()
    {
        ["Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker"] = LogLevel.Trace,
        ["Microsoft.AspNetCore.Mvc.ViewComponents.DefaultViewComponentInvoker"] = LogLevel.Debug,
    };

    /// <summary>
    /// One JSON object per line, for a log collector. Request bodies, query strings and headers are never logged:
    /// they can carry slip tokens, answers and passwords. At the default levels (appsettings.json: Microsoft.AspNetCore at
    /// Warning) nothing is logged per request, staff or voting (DESIGN.md §2.5).
    /// </summary>
    public static void AddStructuredLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // The invokers' argument lines never, whatever the configuration says. Joined to the filter of every configured rule
        // rather than added as a rule of its own: a rule naming the invoker would be the most specific one for it and so
        // replace the configured level (Microsoft.AspNetCore: Warning) with its own, logging every action and its duration.
        builder.Services.PostConfigure<LoggerFilterOptions>(options =>
        {
            for (var i = 0; i < options.Rules.Count; i++)
            {
                var rule = options.Rules[i];
                var filter = rule.Filter;
                options.Rules[i] = new LoggerFilterRule(rule.ProviderName, rule.CategoryName, rule.LogLevel,
                    (provider, category, level) => !(category is not null && ArgumentLoggers.TryGetValue(category, out var arguments) && level <= arguments)
                                                   && (filter is null || filter(provider, category, level)));
            }
            // With no rule for a category, the minimum level decides alone: it must not let the arguments through either.
            if (options.MinLevel < LogLevel.Debug) options.MinLevel = LogLevel.Debug;
        });
        if (builder.Configuration.GetValue("Logging:Json", true))
            builder.Logging.AddJsonConsole(json => json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        else
            builder.Logging.AddSimpleConsole(simple => simple.SingleLine = true);
    }
}
