// Hearthside Health sample site: cookie banner and share buttons.
document.addEventListener("click", function (e) {
  var t = e.target;
  if (t.id === "cn-accept-cookie" || t.id === "cn-refuse-cookie") {
    document.getElementById("cookie-notice").style.display = "none";
  }
});
