# install layout and CPack; owned by the packaging work
