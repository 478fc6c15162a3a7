// The key-card pages: a print button, and 扫码 where the browser can read QR codes itself (BarcodeDetector).
// Nothing here sends anything anywhere: a scanned code only fills its field, and the form is submitted by a person.
(function () {
    "use strict";

    document.addEventListener("DOMContentLoaded", function () {
        var print = document.getElementById("print-cards");
        if (print) {
            print.hidden = false;
            var hint = document.getElementById("print-hint");
            if (hint) hint.hidden = true;
            print.addEventListener("click", function () { window.print(); });
        }

        if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
        var video = document.getElementById("scanner");
        var status = document.getElementById("scan-status");
        var buttons = document.querySelectorAll("button.scan[data-scan-into]");
        var stream = null;

        function stop() {
            if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
            stream = null;
            video.hidden = true;
            video.srcObject = null;
        }

        function scanInto(field) {
            stop();
            var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
            navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
                stream = s;
                video.srcObject = s;
                video.hidden = false;
                status.textContent = "请将密钥卡上的二维码对准摄像头。";
                return video.play();
            }).then(function look() {
                if (!stream) return;
                detector.detect(video).then(function (codes) {
                    if (codes.length > 0 && codes[0].rawValue) {
                        field.value = codes[0].rawValue;
                        status.textContent = "已读取，请核对后继续。";
                        stop();
                    } else {
                        window.setTimeout(look, 200);
                    }
                }, function () { window.setTimeout(look, 400); });
            }).catch(function () {
                stop();
                status.textContent = "无法使用摄像头（可能未授权）。请直接输入卡上的代码。";
            });
        }

        // Some browsers have the API but no QR reader behind it (desktop Linux): offer 扫码 only where it can work.
        var formats = window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve([]);
        formats.then(function (supported) {
            if (supported.indexOf("qr_code") < 0) return;
            buttons.forEach(function (button) {
                button.hidden = false;
                button.addEventListener("click", function () {
                    var field = document.getElementById(button.getAttribute("data-scan-into"));
                    if (field) scanInto(field);
                });
            });
        }, function () { });
    });
}());
