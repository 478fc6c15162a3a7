using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Evaluation.Web.Infrastructure;

/// <summary>Renders a Razor view to a string, for documents that are printed rather than served (PDF).</summary>
public sealed class ViewRenderer(IRazorViewEngine engine, ITempDataProvider tempData)
{
    public async Task<string> RenderAsync<TModel>(ControllerContext context, string viewPath, TModel model)
    {
        var view = engine.GetView(executingFilePath: null, viewPath, isMainPage: true).View
                   ?? throw new InvalidOperationException($"View not found: {viewPath}");
        await using var writer = new StringWriter();
        var viewData = new ViewDataDictionary<TModel>(new EmptyModelMetadataProvider(), new ModelStateDictionary()) { Model = model };
        var viewContext = new ViewContext(context, view, viewData, new TempDataDictionary(context.HttpContext, tempData), writer, new HtmlHelperOptions());
        await view.RenderAsync(viewContext);
        return writer.ToString();
    }
}
