// Parses LogQL expressions with Grafana's own grammar (@grafana/lezer-logql, the parser
// Grafana's Loki query editor uses) and reports every error node of each parse tree.
//
// Input on stdin: a JSON array of strings. Output on stdout: a JSON array with one
// object per expression, {"expr": ..., "errors": [{"from", "to", "text"}, ...]}.
// Exit status 0 when every expression parsed without an error node, 1 otherwise,
// 2 when the input is not a JSON array of strings.
import { parser } from "@grafana/lezer-logql";

function errors(expr) {
  const found = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) {
        found.push({ from: node.from, to: node.to, text: expr.slice(node.from, node.to) });
      }
    },
  });
  return found;
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;

let expressions;
try {
  expressions = JSON.parse(input);
} catch (error) {
  console.error(`stdin is not JSON: ${error.message}`);
  process.exit(2);
}
if (!Array.isArray(expressions) || !expressions.every((e) => typeof e === "string")) {
  console.error("stdin must be a JSON array of strings");
  process.exit(2);
}
const results = expressions.map((expr) => ({ expr, errors: errors(expr) }));
console.log(JSON.stringify(results, null, 2));
process.exit(results.some((r) => r.errors.length) ? 1 : 0);
