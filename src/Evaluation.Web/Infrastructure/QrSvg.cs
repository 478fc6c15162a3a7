using QRCoder;

namespace Evaluation.Web.Infrastructure;

/// <summary>QR codes drawn as SVG in the page: no image request, and the printer or projector scales them without blur.</summary>
public static class QrSvg
{
    /// <param name="pixels">The drawing's own size; the page's CSS sizes it on screen.</param>
    public static string Draw(string text, int pixels)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(new System.Drawing.Size(pixels, pixels), "#000000", "#ffffff", drawQuietZones: true,
            SvgQRCode.SizingMode.ViewBoxAttribute);
    }
}
