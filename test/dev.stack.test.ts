import { describeStackFacts } from "./stack-facts";
import { describeGraph, describePolicies, describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("dev-2022");
describeStackRules("dev-2022");
describeStateKept("dev-2022");
describeGraph("dev-2022");
describePolicies("dev-2022");
