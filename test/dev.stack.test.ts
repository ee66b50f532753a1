import { describeStackFacts } from "./stack-facts";
import { describeGraph, describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("dev");
describeStackRules("dev");
describeStateKept("dev");
describeGraph("dev");
