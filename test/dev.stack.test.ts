import { describeStackFacts } from "./stack-facts";
import { describeGraph, describePolicies, describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("dev");
describeStackRules("dev");
describeStateKept("dev");
describeGraph("dev");
describePolicies("dev");
