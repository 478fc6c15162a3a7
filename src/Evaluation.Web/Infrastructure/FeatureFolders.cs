using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Razor;

namespace Evaluation.Web.Infrastructure;

/// <summary>Views sit beside their controller in Features/&lt;Feature&gt;/, whatever the controller is called.</summary>
public sealed class FeatureFolders : IViewLocationExpander
{
    public void PopulateValues(ViewLocationExpanderContext context)
    {
        if (context.ActionContext.ActionDescriptor is ControllerActionDescriptor action)
            context.Values["feature"] = action.ControllerTypeInfo.Namespace?.Split('.').Last();
    }

    public IEnumerable<string> ExpandViewLocations(ViewLocationExpanderContext context, IEnumerable<string> viewLocations)
    {
        if (context.Values.TryGetValue("feature", out var feature) && feature is not null)
            yield return $"/Features/{feature}/{{0}}.cshtml";
        yield return "/Features/Shared/{0}.cshtml";
    }
}
