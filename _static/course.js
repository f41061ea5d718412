/* The course's own behaviour on top of sphinx-book-theme (Jupyter Book adds every .js file in _static/
   to each page). */

/* Figures and long formulas that scroll sideways. On a phone a figure is shown at least as wide as its
   smallest text needs (figure-widths.css, from cnn_course.site), which may be wider than the screen.
   Each figure of the article goes into a box that scrolls sideways and is a link to the figure on its
   own (a tap opens it, to zoom). A box or displayed formula with more to see on one side fades out on
   that side, the cue that it scrolls (phones hide scrollbars until one scrolls). */
document.addEventListener("DOMContentLoaded", () => {
  for (const img of document.querySelectorAll("article.bd-article img")) {
    const box = document.createElement("a");
    box.className = "figure-scroll";
    box.href = img.currentSrc || img.src;
    box.title = "Open the figure on its own";
    img.replaceWith(box);
    box.append(img);
  }
  const scrollers = () => document.querySelectorAll("article.bd-article .figure-scroll, div.math mjx-container[display]");
  const mark = box => {
    box.classList.toggle("more-left", box.scrollLeft > 1);
    box.classList.toggle("more-right", box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
  };
  const markAll = () => scrollers().forEach(box => {
    if (!box.dataset.scrollCue) {
      box.dataset.scrollCue = "on";
      box.addEventListener("scroll", () => mark(box), { passive: true });
    }
    mark(box);
  });
  markAll();
  window.addEventListener("resize", markAll);
  // MathJax (loaded by then) typesets the formulas after the page has loaded.
  window.addEventListener("load", () => {
    markAll();
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(markAll);
  });
});
