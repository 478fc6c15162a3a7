using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Evaluation.Web.Features.Evaluations;

/// <summary>
/// After a save on the organiser's pages: back to the saved item's anchor, with "已保存：…" beside it (_Saved.cshtml),
/// rather than at the top of a long page with no word of what happened.
/// </summary>
public sealed record Saved(string Anchor, string Message)
{
    private const string Key = "Saved";

    public static RedirectResult Redirect(Controller controller, string url, string anchor, string message)
    {
        controller.TempData[Key] = anchor + "\n" + message;
        return new RedirectResult(url + "#" + anchor);
    }

    /// <summary>Read once per page, into ViewData, where each _Saved partial looks for its own anchor.</summary>
    public static Saved? Read(ITempDataDictionary tempData) =>
        tempData[Key] is string stored && stored.Split('\n', 2) is [var anchor, var message] ? new Saved(anchor, message) : null;
}
