// Hearthside Health app: a client-rendered page. The static HTML is an empty
// <div id="root">; this script builds the whole article.
(function () {
  var data = {
    title: "Staying Hydrated in Hot Weather",
    author: "Maya Lindqvist",
    published: "2024-06-18",
    paragraphs: [
      "Your body loses water faster when the temperature climbs, mostly through sweat that cools the skin. Even mild dehydration, a loss of one or two percent of body weight, can bring on headaches, tiredness and poorer concentration, so it pays to drink before you feel thirsty.",
      "Older adults and young children need extra attention in a heat wave. The sense of thirst weakens with age, and small children cannot always say that they need a drink, so offer water regularly and keep an eye on how often they pass urine.",
      "Plain water is the best choice for most people. Sports drinks help only after long, hard exercise in the heat, when you lose salt as well as water; sugary sodas and large amounts of alcohol make dehydration worse rather than better."
    ],
    tipsHeading: "Simple ways to drink enough",
    tips: [
      "Carry a refillable bottle and sip from it through the day.",
      "Eat water-rich foods such as cucumber, watermelon and oranges.",
      "Check that your urine is pale yellow rather than dark.",
      "Drink a glass of water with every meal and after exercise."
    ],
    closing: "Seek medical help at once if someone in the heat becomes confused, stops sweating or faints: these can be signs of heatstroke, which is an emergency."
  };
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    for (var k in attrs || {}) { e.setAttribute(k, attrs[k]); }
    return e;
  }
  document.title = data.title + " | Hearthside Health";
  var root = document.getElementById("root");
  var header = el("header", "", { "class": "site-header" });
  var home = el("a", "Hearthside Health", { href: "/" });
  var brand = el("p", "", { "class": "site-title" });
  brand.appendChild(home);
  header.appendChild(brand);
  root.appendChild(header);
  var main = el("main", "", { id: "main" });
  var art = el("article", "", { "class": "post" });
  art.appendChild(el("h1", data.title, { "class": "entry-title" }));
  var meta = el("p", "", { "class": "byline" });
  meta.appendChild(document.createTextNode("By "));
  meta.appendChild(el("span", data.author, { "class": "author" }));
  meta.appendChild(document.createTextNode(" · "));
  meta.appendChild(el("time", "June 18, 2024", { datetime: data.published }));
  art.appendChild(meta);
  data.paragraphs.forEach(function (p) { art.appendChild(el("p", p)); });
  art.appendChild(el("h2", data.tipsHeading));
  var ul = el("ul");
  data.tips.forEach(function (t) { ul.appendChild(el("li", t)); });
  art.appendChild(ul);
  art.appendChild(el("p", data.closing));
  main.appendChild(art);
  root.appendChild(main);
})();
