import { describeStackFacts } from "./stack-facts";

describeStackFacts("dev");
