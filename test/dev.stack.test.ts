import { describeStackFacts } from "./stack-facts";
import { describeStackRules, describeStateKept } from "./stack-rules";

describeStackFacts("dev");
describeStackRules("dev");
describeStateKept("dev");
