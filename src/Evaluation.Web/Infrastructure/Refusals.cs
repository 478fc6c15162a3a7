using Microsoft.AspNetCore.Mvc;

namespace Evaluation.Web.Infrastructure;

public sealed record Refusal(int Status, string Message);

public static class Refusals
{
    /// <summary>A 4xx page that says what went wrong and what to do next.</summary>
    public static ViewResult Refuse(this Controller controller, int status, string message)
    {
        controller.Response.StatusCode = status;
        return controller.View("Refusal", new Refusal(status, message));
    }
}
