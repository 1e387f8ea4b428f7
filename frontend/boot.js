// Loads the dashboard's wasm (a file, not an inline script: the page's CSP allows no
// inline scripts).
import init from "/pkg/overdue-frontend.js";
init();
