"""No URLs: the lifespan is all these apps are checked for."""

urlpatterns = []
