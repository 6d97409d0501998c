"""Questions the engine writes and answers itself (issue 11: "prediction questions").

Each kind builds a small cluster from a seed (names, builds, policies and layers vary), runs it
through the simulator, and reads the right answer off the trace: nothing is hard-coded, so the
answer is whatever the kubelet model does. The same kind and seed always give the same
question, which is how the server checks an answer without keeping state.
"""

from .kinds import KINDS, Choice, Question, question

__all__ = ["KINDS", "Choice", "Question", "question"]
